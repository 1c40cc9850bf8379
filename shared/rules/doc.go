// Package rules is the client-rules engine for movements: clients write restrictions as
// CEL expressions (cel.dev/cel-go, the continuation of github.com/google/cel-go), the
// engine checks them at creation and evaluates the enabled ones on a movement, answering
// allow, review or block with the rules that hit and why. It is pure: no AWS, no clock,
// no I/O of its own; the movements service supplies velocity aggregates and client lists
// through the Aggregates and Lists interfaces, one pair per evaluation.
//
// # Environment
//
// A rule is a bool expression over these variables and functions:
//
//	movement                 rules.Movement
//	  .id .kind .asset .chain .txHash    string   kind: vault_to_vault | wallet_to_wallet |
//	                                              vault_to_wallet | wallet_to_vault
//	  .direction             string   from kind: out (vault to wallet), in (wallet to
//	                                  vault), internal (vault to vault), external (wallet
//	                                  to wallet)
//	  .amount                decimal  exact, see Amounts
//	  .valueUsd              double   0 when the client gave none
//	  .hasValueUsd           bool
//	  .occurredAt            timestamp
//	source, destination      rules.Party
//	  .type                  string   "vault" | "address"
//	  .vaultId .chain .address .userId .country .riskTier   string ("" when none)
//	  .jurisdictions         list(string)  jurisdiction tags of the user
//	  .sanctioned            bool     the address is on a sanctioned-address list
//
//	count_out(duration)              int     movements the initiating party sent
//	count_in(duration)               int     movements it received
//	sum_out_usd(duration)            double  valueUsd sent
//	sum_in_usd(duration)             double  valueUsd received
//	distinct_destinations(duration)  int     distinct destinations it sent to
//	list(string)                     handle for `x in list("name")`, nothing else
//	decimal(string)                  decimal exact decimal literal, e.g. decimal("0.5")
//	double(decimal), string(decimal)
//
// plus the CEL standard library (comparisons, &&, ||, !, in, size, exists, all, string
// functions, timestamp accessors such as getHours). Examples:
//
//	destination.address in list("my-blocklist")
//	destination.sanctioned || destination.country in list("high-risk-countries")
//	movement.direction == "out" && count_out(duration("1h")) >= 10
//	sum_out_usd(duration("24h")) + movement.valueUsd > 50000.0
//	movement.asset == "BTC" && movement.amount > decimal("2.5")
//
// The initiating party is the source's user, else the source vault, else the source
// address (Party.Key). A velocity window w counts that party's earlier movements with
// occurredAt in (t-w, t], t the evaluated movement's occurredAt, never the movement
// itself; w is between 1 minute and 31 days (Config): a constant window outside is a
// compile error, a computed one an evaluation error (window_out_of_range). Constant
// windows are listed by Program.Velocity, so the counters know what to keep.
//
// list("name") takes a literal name; at creation, CompileOptions.KnownLists turns an
// unknown name into list_not_found. `x in list("name")` asks Lists.Contains once per list
// and value per evaluation; the list is never loaded, so a list of a million addresses
// costs what a list of ten does. An empty value ("" country) is in no list, unasked.
//
// The velocity functions and list() reach the evaluation in progress through a hidden
// first argument that a macro adds (count_out(w) is count_out(@ev, w)); "@" cannot start
// an identifier a rule writes, and compile messages do not show it.
//
// # Amounts
//
// Amounts are exact: movement.amount is a decimal parsed from the exact string, and its
// comparisons (<, <=, >, >=) with a decimal, int, uint or double are exact: a double
// literal is taken at its shortest decimal text (0.1 is 0.1, not its binary
// neighbour), so movement.amount > 1000 is true for "1000.000000000000000001". The
// decimal goes on the left (1000 < movement.amount does not type-check); == compares
// with decimal("..."). double(movement.amount) gives up exactness for arithmetic.
// valueUsd and the USD sums are doubles: an estimate (price times amount) whose 1e-16
// relative rounding is irrelevant to a threshold, and sums add up as doubles anyway.
//
// # Limits and cost
//
// An expression is at most 4096 bytes, 1000 nodes once macros are expanded and 64 levels
// deep, and costs at most 10000 CEL cost units per evaluation (Config). Compile estimates
// each rule's worst case from the input bounds Input.Validate enforces (string fields
// MaxFieldBytes, MaxJurisdictions tags): a rule under the limit, nearly every rule,
// runs without runtime cost tracking; the others (comprehensions whose size is unknown
// or large) are measured and stopped at the limit, which is a rule error
// cost_limit_exceeded, never a hit. Program.MaxCost tells which.
//
// # Errors
//
// Compile returns failure.Invalid errors: invalid_expression, with the first problem as
// "line:column: message" and all of them in a *CompileError cause, or list_not_found.
// Rule.Validate names the bad field (invalid_rule_id, invalid_action, ...).
//
// A rule that errors at evaluation (aggregates or lists unavailable, a window out of
// range, the cost limit, the context done) is reported in Decision.Errors and fails to
// review: a block or review rule that errors makes the outcome at least review, so an
// outage never silently allows what the rule would have stopped, and never blocks (we do
// not refuse a movement on our own failure); an alert rule that errors changes nothing.
// An error inside a branch that CEL does not need (false && x, true || x) is no error.
//
// # Outcome
//
// block if a block rule hit, else review if a review rule hit or a block or review rule
// errored, else allow. Alert hits are reported and do not change the outcome.
//
// # Replay
//
// A Decision carries the input as given, the id and version of every rule run, every
// aggregate value and list answer seen (with the list versions that answered) and, per
// hit, the values that rule read. Store it as JSON. Replay takes the same rule versions
// (old versions must be kept) and evaluates again answering from the record alone
// (Recorded): the same versions give the same decision, and a rule that asks for
// something the decision never saw errors instead of answering differently.
//
// # Backtests
//
// Window computes the velocity functions from a logged history fed in time order,
// exactly as defined above, so a backtest needs no counters store.
//
// # Concurrency and speed
//
// Build one Env per process and compile each rule version once: Env, Program and
// CompiledRule are immutable and safe for concurrent use. Evaluate runs the rules of one
// decision in order on one goroutine; the aggregate and list caches live in the
// evaluation. 50 realistic rules take about 65 µs and 164 allocations (BenchmarkEvaluate50Rules).
package rules
