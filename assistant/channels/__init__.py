"""Channel adapters: each turns a platform's message into a call of the one
`AnswerService` and its answer back into the platform's format, nothing more."""
