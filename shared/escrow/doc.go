// Package escrow is the P2P trade as one explicit state machine: the states, the actions
// and who may take each, the guards, and what every transition does to the ledger. It is
// pure (no AWS, no clock): the trade service gathers the facts (Trade), asks Decide,
// and stores the answer (Apply) with optimistic locking on the trade item, in the same
// DynamoDB transaction as the ledger transaction of the Effect and the audit record.
// Concurrent actions (release, cancel, dispute and expiry at one instant) are decided
// against the same version; one commits, the others fail their version condition and are
// decided again against the new state, where they are no longer allowed.
//
// # Transitions
//
// Forward only: every row goes to a later state except unhold, which resumes a held
// trade where it was held (its deadlines moved by the time held). Final states
// (released, cancelled, resolved_release, resolved_refund) have no way out, and only
// the rows into them move the escrow, so a trade locks once and releases or refunds
// once. The ledger gives the same guarantee one level down: release and refund of a
// trade share one transaction id (ledger.SettleID).
//
//	from             action           to                by                       ledger   guard
//	(new)            open             escrow_locked     client for the parties   lock     both parties active and not restricted; the seller's available balance covers the amount
//	escrow_locked    mark_paid        paid              buyer                    none     before the payment deadline
//	escrow_locked    cancel           cancelled         buyer,seller             refund   buyer: any time before paid; seller: only over a proof of life they asked of the buyer that failed or is pending past its answer time
//	escrow_locked    expire           cancelled         system                   refund   at or after the payment deadline
//	escrow_locked    hold             on_hold           system,staff             none     a party is restricted
//	paid             release          released          seller                   release  no proof of life of the buyer pending or failed
//	paid             open_dispute     disputed          buyer,seller             none     buyer: any time; seller: once the payment deadline has passed
//	paid             confirm_timeout  disputed          system                   none     at or after the confirm deadline
//	paid             hold             on_hold           system,staff             none     a party is restricted
//	disputed         release          released          seller                   release  the seller concedes; no proof of life of the buyer pending or failed
//	disputed         verdict_release  resolved_release  mediator,approver,system release  four eyes above the asset's threshold; no proof of life of the buyer pending or failed; system: only a default loss of the seller
//	disputed         verdict_refund   resolved_refund   mediator,approver,system refund   four eyes above the asset's threshold; system: only a default loss of the buyer
//	disputed         hold             on_hold           system,staff             none     a party is restricted
//	on_hold          unhold           escrow_locked     staff                    none     held from escrow_locked; no party restricted; deadlines move by the time held
//	on_hold          unhold           paid              staff                    none     held from paid; no party restricted; deadlines move by the time held
//	on_hold          unhold           disputed          staff                    none     held from disputed; no party restricted; deadlines move by the time held
//	on_hold          hold_release     resolved_release  staff,approver           release  four eyes above the asset's threshold; no proof of life of the buyer pending or failed
//	on_hold          hold_refund      resolved_refund   staff,approver           refund   four eyes above the asset's threshold
//
// Guards every row shares: a buyer or seller must be the trade's (by id), a mediator the
// dispute's assigned one; a party cannot act while either party is restricted (the trade
// is to be held instead); nothing releases to a buyer whose latest proof of life is
// pending or failed.
//
// Readings of the issue this package commits to:
//   - "Dispute only after paid by either party, or by the seller when the window ran
//     out after paid": the buyer may open a dispute as soon as they marked paid; the
//     seller only once the payment deadline has passed (before that the transfer may
//     still be arriving). A paid trade the seller neither releases nor disputes goes to
//     a mediator by itself at the confirm deadline (ConfirmWindow after paid, 12 h by
//     default), so paid has a timer too.
//   - Proof of life: "the escrow cannot be released to the party who had to prove it":
//     releases to the buyer (release, verdict_release, hold_release) wait for the
//     buyer's latest proof to pass. Returning the seller's own escrow to a seller with
//     an outstanding proof is not blocked: that would strand a cancelled trade's funds.
//     "The requester may cancel without penalty": before paid, the buyer cancels without
//     a penalty on their record if they asked the seller for a proof that failed, or that
//     is still pending after Policy.ProofAnswerWithin (15 minutes: the other party gets
//     that long to prove themselves, so a request is no way to walk out of a trade at
//     once); the seller (who otherwise cannot cancel) may cancel on the same terms over a
//     proof they asked of the buyer. After paid, fiat may have moved: a requester goes to
//     a dispute.
//   - A seller may still release while a dispute is open (conceding), as on Binance P2P
//     and Bisq; the buyer cannot cancel a dispute (their fiat may have moved).
//
// # Four eyes, disputes, default loss
//
// A staff decision that moves money (verdicts, decisions on held trades) on an amount
// above the asset's threshold (Policy.FourEyesAbove; an asset without one always needs
// it) is proposed (Propose) by the mediator, staff member or the system, and executed
// by an approver who is neither the proposer nor the dispute's mediator. At or below the
// threshold the assigned mediator decides alone. A dispute has SLAs: taken within
// TakeWithin (2 h), decided within DecideWithin (48 h) of being taken, else it escalates
// to an approver (EscalatedWithin, 24 h), who may then decide alone within the threshold
// or take the case over. A mediator asks a party for evidence with a deadline within
// [MinEvidenceWindow, MaxEvidenceWindow]; a party that misses it loses by default only
// with Policy.DefaultLoss (off by default: the mediator decides), through a verdict the
// system takes (or proposes, above the threshold).
//
// # No stuck trades
//
// Every non-final state has a duty (Duties): escrow_locked the payment deadline (timer:
// expire), paid the confirm deadline (timer: confirm_timeout), disputed the mediator's
// and then the approver's SLA, on_hold the staff's review SLA. Overdue reports a trade
// whose duty is past due by more than Policy.Grace: the stuck-trade check lists those.
// Timers are idempotent by construction: a timer firing twice, or late after the trade
// moved on, meets a state where its action is not allowed (ErrNotAllowed) or its time
// has not come (ErrTooEarly, for a deadline moved by a hold).
package escrow
