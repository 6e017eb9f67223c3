from datetime import date

from assistant.retrieval import Filters

GOLD = "seed-hagiang-2023-07-19"


def _doc_ids(service, question, **filters):
    _, hits = service.retriever.retrieve(question, 5, Filters(**filters))
    return [h.chunk.doc_id for h in hits]


def test_vietnamese_english_and_unaccented_questions_find_the_article(service):
    for q in [
        "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?",
        "what share of procedures are fully online in Hà Giang?",
        "ty le thu tuc hanh chinh truc tuyen toan trinh ha giang",
    ]:
        assert _doc_ids(service, q)[0] == GOLD, q


def test_both_retrievers_contribute_and_are_fused(service):
    _, hits = service.retriever.retrieve("672 TTHC toàn trình Hà Giang", 5)
    assert hits[0].chunk.doc_id == GOLD
    assert {"dense", "keyword", "place"} <= set(hits[0].ranks)


def test_province_filter_matches_old_and_new_names(service):
    q = "thủ tục hành chính trực tuyến"
    for name in ["Hà Giang", "Tuyên Quang"]:
        ids = _doc_ids(service, q, province=name)
        assert ids and set(ids) == {GOLD}, name


def test_date_filters(service):
    ids = _doc_ids(service, "thủ tục hành chính", since=date(2025, 1, 1))
    assert ids and all(i != GOLD for i in ids)
    assert set(_doc_ids(service, "thủ tục hành chính", until=date(2023, 12, 31))) == {GOLD}


def test_undated_documents_are_filtered_by_the_dates_their_text_names(writable_index, embed_cache_dir, tmp_path):
    import json

    from assistant.index.embeddings import EmbeddingCache
    from assistant.service import AnswerService, open_store
    from assistant.settings import Settings
    from ingest.loaders import load_paths
    from ingest.pipeline import IngestPipeline

    doc = {"doc_id": "undated-1", "title": "Kiểm tra công vụ ở Cần Thơ",
           "text": "Trong tháng 2 năm 2019, Sở Nội vụ TP Cần Thơ kiểm tra đột xuất 22 đơn vị hành chính."}
    path = tmp_path / "u.jsonl"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    settings = Settings(data_dir=writable_index)
    store = open_store(settings)
    IngestPipeline(store, EmbeddingCache(embed_cache_dir / "embeddings.sqlite")).run(load_paths([path]))
    service = AnswerService(settings, store)
    q = "Sở Nội vụ Cần Thơ kiểm tra đột xuất bao nhiêu đơn vị?"
    assert "undated-1" in _doc_ids(service, q, since=date(2019, 1, 1), until=date(2019, 12, 31))
    assert "undated-1" not in _doc_ids(service, q, since=date(2020, 1, 1))
    assert "undated-1" not in _doc_ids(service, q, until=date(2018, 12, 31))


def test_convex_fusion_keeps_margins_that_rank_fusion_drops():
    from assistant.retrieval import ConvexFusion, ReciprocalRankFusion, make_fusion
    from assistant.settings import Settings

    # "a" wins dense by a wide margin and is a close second on keywords; "b" the reverse.
    rankings = {
        "dense": [("a", 0.90), ("b", 0.50), ("c", 0.49)],
        "keyword": [("b", 10.0), ("a", 9.9), ("c", 1.0)],
    }
    convex = ConvexFusion({"dense": 0.5, "keyword": 0.5})(rankings)
    assert [c for c, _, _ in convex] == ["a", "b", "c"]
    assert convex[0][2] == {"dense": 1, "keyword": 2}
    rrf = ReciprocalRankFusion(k=20, gap_units={})(rankings)
    assert rrf[0][1] == rrf[1][1]  # ordinal ranks alone: a tie
    assert isinstance(make_fusion(Settings(fusion="convex")), ConvexFusion)
    assert isinstance(make_fusion(Settings()), ReciprocalRankFusion)
    try:
        make_fusion(Settings(fusion="bogus"))
    except ValueError as exc:
        assert "convex" in str(exc)
    else:
        raise AssertionError("an unknown fusion must be refused")


def test_rank_fusion_measures_ranks_in_score_gaps():
    from assistant.retrieval import ReciprocalRankFusion, make_fusion, score_ranks
    from assistant.settings import Settings

    # Near-ties share a rank, a clear lead keeps its distance; unit 0 gives ordinal ranks.
    near_tie = score_ranks([("a", 0.90), ("b", 0.899), ("c", 0.85), ("d", 0.80), ("e", 0.75)], 1.0)
    assert near_tie[0] == 1.0 and near_tie[1] < 1.1 and 2 < near_tie[2] < near_tie[3] < near_tie[4]
    lead = [("a", 1.0), ("b", 0.5), ("c", 0.49), ("d", 0.48)]
    assert score_ranks(lead, 1.0)[1] > 10
    assert score_ranks(lead, 2.0)[1] < score_ranks(lead, 1.0)[1]
    assert score_ranks(lead, 0.0) == [1.0, 2.0, 3.0, 4.0]
    assert score_ranks([("a", 1.0), ("b", 1.0), ("c", 1.0)], 1.0) == [1.0, 1.0, 1.0]

    # "a" leads dense by far and is a hair behind on keywords; "b" the reverse: ordinal
    # ranks tie them, ranks in score gaps put "a" first and still report the ordinal ranks.
    rankings = {
        "dense": [("a", 0.90), ("b", 0.50), ("c", 0.49)],
        "keyword": [("b", 10.0), ("a", 9.9), ("c", 1.0)],
    }
    fused = ReciprocalRankFusion(k=20, gap_units={"dense": 1.0, "keyword": 2.0})(rankings)
    assert [c for c, _, _ in fused] == ["a", "b", "c"]
    assert fused[0][2] == {"dense": 1, "keyword": 2}
    ordinal = ReciprocalRankFusion(k=20, gap_units={})(rankings)
    assert ordinal[0][1] == ordinal[1][1]
    assert make_fusion(Settings()).gap_units == {"dense": 1.0, "keyword": 2.0}  # type: ignore[attr-defined]
    assert make_fusion(Settings(rrf_gap_dense=0, rrf_gap_keyword=0)).gap_units == {"dense": 0, "keyword": 0}  # type: ignore[attr-defined]
