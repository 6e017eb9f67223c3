"""Fusion of the dense and keyword rankings, on rankings written by hand (no index)."""


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
