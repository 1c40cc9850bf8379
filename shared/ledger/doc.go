// Package ledger is the P2P market's double-entry ledger, per tenant, in the single
// table: per user and asset an `available` and an `escrow` account, per asset an
// `external` (custody) account, and balanced, idempotent transactions between them.
//
// # Rules
//
//   - Amounts are exact integers in the asset's smallest unit (Amount: arbitrary
//     precision, since 2^63 wei is only 9.2 ETH), never floats, non-zero in an entry,
//     and at most MaxAmount (10^36-1) in an entry or a balance, which keeps every stored
//     number within DynamoDB's 38 exact digits. JSON carries them as strings.
//   - Sign convention: an entry's amount is the change of its account's balance, a
//     credit positive and a debit negative. Users' accounts hold what the platform owes
//     them and never go below zero; an asset's external account is the custody side and
//     holds minus what the users hold (a deposit debits external and credits the user's
//     available account). Every transaction sums to zero per asset, so the whole ledger
//     does.
//   - Each kind has one shape, checked before anything is written: deposit (external ->
//     available), withdrawal (available -> external), lock (seller available -> seller
//     escrow), release (seller escrow -> buyer available), refund (seller escrow ->
//     seller available); lock, release and refund carry the trade's id as Ref.
//   - A transaction's id makes it idempotent: its record is created under a key that
//     follows from the id, so a replay cancels the whole DynamoDB transaction; Outcome
//     then reads the record and answers ErrReplayed when the content (hash of tenant,
//     id, kind, ref and entries; not the time) is the same, 409 ledger_id_conflict when
//     it is not. Client ids are prefixed by kind (dep:, wdr:); a trade's ids are
//     trade:<id>:lock and trade:<id>:settle, the same for its release and its refund,
//     so the ledger itself stores at most one of them, whatever the layers above do.
//   - Stage adds a transaction to the caller's store.Tx, so a trade's state change (on
//     its version), its ledger transaction and its audit record commit in one
//     TransactWriteItems. A lock or a settle takes 5 items (record, 2 balances, 2
//     statement lines), a deposit or withdrawal 4; DynamoDB's limit is 100 items and no
//     item twice in one transaction (no account appears twice in a transaction). A
//     caller with conditions of its own (a trade's version) checks those failures before
//     Outcome's: another request may have settled the trade with the same content.
//   - Balances move with DynamoDB ADD (store.Tx.Adjust), so concurrent transactions on
//     one account all count, conditioned per entry: a debit of a user's account needs
//     balance >= amount (409 insufficient_funds otherwise, nothing written), a credit
//     balance <= MaxAmount-amount. Transactions that touch one balance at the same
//     instant may be cancelled by DynamoDB (TransactionConflict, store.ErrConflict): the
//     service retries them with jittered backoff, Stage's callers do the same.
//   - The external account is split into LedgerExternalShards items (chosen by the
//     transaction id), so deposits and withdrawals do not serialise on one item; a shard
//     may be of either sign, their sum is minus the users' holdings.
//
// # Access patterns
//
// Every ledger item lives in a base-table partition (no index), so balances, statements
// and the verifier read strongly consistent data. nn is a bucket (store.LedgerBucket of
// the id, LedgerBuckets of them) so that one tenant's writes spread over partitions and
// the verifier reads a tenant with a fixed number of Queries.
//
//	Item              PK / SK                                        GSI1  GSI2  Operations
//	transaction       T#t#LTX#nn / TX#<tx id>  (nn from the tx id)   -     -     create-if-absent (idempotency); replay check (GetItem); verifier (Query per bucket)
//	user balance      T#t#LBAL#nn / U#<user>#<asset>#<account>       -     -     ADD with bounds in the transaction; balances of a user (Query, prefix U#<user>#); verifier
//	external shard    T#t#LBAL#nn / X#<asset>#<shard>  (nn = shard)  -     -     ADD in deposits and withdrawals; verifier
//	statement line    T#t#U#u#LEDGER / E#<time>#<tx id>#<n>          -     -     created with the transaction; GET /v1/users/{id}/ledger (Query desc, signed cursor)
//
// # AWS calls per operation
//
//	Deposit, Withdraw   1 TransactWriteItems (user-exists check, record, 2 balances, 1 statement line,
//	                    audit record: 6 items); a replay 1 TransactWriteItems + 2 GetItem; a
//	                    TransactionConflict adds a retry
//	Stage (in a trade)  adds 5 items to the caller's TransactWriteItems; Outcome adds 1 GetItem
//	                    only on a replay
//	Balances            1 Query
//	Entries             1 Query per page
//	Verify              3 x LedgerBuckets Queries (balances, transactions, balances again; the
//	                    buckets of a pass in parallel), plus one per further page of 200 items
//	                    (the store's page limit): about 300 Queries for 50,000 transactions
//
// # Verifier
//
// Verify checks that every transaction is well-formed, balanced and matches its hash;
// every balance equals the sum of its entries and no user's balance is negative; per
// asset the users' balances sum to deposits minus withdrawals and external mirrors them;
// and, given the caller's complete list of trades, that each open trade's escrow equals
// its amount, each closed trade's is zero, and each seller's escrow balance is the sum
// of their open trades. It runs beside live traffic: balances are read before and after
// the transactions, and an account that moved in between is counted as unsettled
// instead of judged.
package ledger
