// Package tradechat is the chat of a P2P escrow trade and its attachments (payment
// receipts). The trade itself belongs to the escrow service; the chat reads what it needs
// of it (parties, state, open dispute, mediator) through the Trades interface.
//
// # Who may do what
//
//   - The trade's two parties (Reader kind "party", the buyer's or the seller's user id)
//     post while the trade is open and read its chat at any time, closed trades included.
//     Once the trade is final, posting and uploading answer 409 trade_closed: the chat is
//     the record of the trade and stays as it was when the trade closed. (The trade's state
//     is read before the message is written, not checked in the same transaction: the
//     trade's item belongs to the escrow service. A message sent at the instant the trade
//     closes may land just after it.)
//   - Staff (kind "staff", role analyst or approver) read the chat and the posted receipts
//     under the dispute rule (StaffMayRead): while a dispute is open, and once a staff
//     decision resolved the trade (resolved_release, resolved_refund), so a verdict's
//     evidence can be looked at again. Never before a dispute, never on a trade the parties
//     settled themselves. Every staff read is recorded in the audit trail before the data
//     is handed out (trade.chat_read per page, trade.attachment_read per download URL).
//   - Among staff only the dispute's mediator posts, while the dispute is open; the message
//     and its audit record (trade.chat_message_posted) are one transaction. Staff do not
//     upload.
//   - Anybody else, a trade of another tenant and an id that cannot exist are all answered
//     404 trade_not_found: no existence oracle. Staff allowed to read but not the mediator
//     get 403 not_mediator when posting (they already know the trade exists).
//
// # Messages
//
// Text of 1..4000 characters, valid UTF-8, not only white space, no control character but
// the newline, no bidi embedding, override or isolate (U+202A..U+202E, U+2066..U+2069: they
// can make an amount or an account number display differently from what was written).
// The text is envelope-encrypted (purpose trade.message, record
// "trade/<trade>/message/<id>"). Messages are never edited or deleted. A message carries at
// most 5 attachments, each a verified upload of its sender on this trade, posted with one
// message only: the attachment's messageId is set in the message's transaction on the
// version that was checked, so two messages cannot both take it.
//
// # Receipts
//
//  1. RequestUpload checks the declaration (image/png, image/jpeg or application/pdf, else
//     400 unsupported_media_type; 1 byte..10 MiB, else 400 invalid_size / file_too_large;
//     a file name of one line without path or bidi control), records a pending attachment
//     (its file name encrypted, purpose trade.attachment_name: names may name people) and
//     answers a presigned PUT valid 10 minutes to trades/<tenant>/<trade>/<attachment id>.
//     Signed with it, so S3 refuses a request without them or with other values:
//     Content-Type, Content-Length (the exact declared size), x-amz-server-side-encryption
//     aws:kms, x-amz-server-side-encryption-aws-kms-key-id and If-None-Match "*". The last
//     makes the object write-once: once CompleteUpload has checked the bytes, the still
//     valid URL cannot replace them (412).
//  2. The client PUTs the bytes with those headers.
//  3. CompleteUpload HEADs the object (size and content type as declared, SSE-KMS), reads
//     its first 8 bytes with a ranged GET conditioned on the HEAD's ETag, and compares
//     them with the type's signature (PNG \x89PNG\r\n\x1a\n, JPEG \xFF\xD8\xFF, PDF
//     %PDF-). A pass marks the attachment verified; a failure deletes the object and marks
//     it rejected for good (422 invalid_file, with a reason code on the record). Nothing
//     uploaded yet is 422 upload_not_found and leaves it pending; a pending attachment
//     expires from the table after 24 hours (TTL).
//  4. AttachmentURL answers a presigned GET valid 5 minutes: to the uploader once verified,
//     to the other party and to staff (dispute rule, audited) once posted. The response is
//     served with the verified content type and as a download named "<id>.<ext>", so the
//     file name never appears in a URL or in S3's access logs.
//
// # Access patterns
//
//	Item         PK / SK                     GSI1   GSI2   Operations
//	message      T#t#TR#x / MSG#<ulid>       -      -      create once; chat of a trade in order (Query, begins_with MSG#)
//	attachment   T#t#TR#x / ATT#<ulid>       -      -      create pending (TTL); verify or reject (versioned); posted once (versioned)
//	audit record T#t#AUDIT#id / REC          (audit package)      GSI2 T#t#SUBJ#trade#x: a trade's staff reads and mediator posts
//
// Both live in the trade's partition (store.TradePK), beside the trade and its disputes,
// so a chat is read with one Query and nothing of another trade or tenant is reachable
// from a trade's keys. Message ids are ULIDs: the chat is in sort-key order.
//
// # AWS calls per operation
//
// "View" is the trade read through Trades (a GetItem in the escrow service). KMS
// (GenerateDataKey to encrypt, Decrypt to decrypt) is called only when the envelope's data
// key cache misses: once per few thousand messages of a tenant.
//
//	PostMessage      View, 1 GetItem per attachment (0..5), then 1 PutItem (no attachment),
//	                 or 1 TransactWriteItems (message + one Update per attachment, or
//	                 message + audit record for the mediator)
//	ListMessages     View, 1 Query; staff: + 1 PutItem (audit record)
//	RequestUpload    View, 1 PutItem; the presigned URL is computed locally
//	CompleteUpload   View, 1 GetItem, 1 HeadObject, 1 GetObject (8 bytes), 1 UpdateItem;
//	                 rejected: HeadObject (+ GetObject), DeleteObject, UpdateItem;
//	                 already completed: View, 1 GetItem; not uploaded yet: View, GetItem, HeadObject
//	AttachmentURL    View, 1 GetItem; staff: + 1 PutItem (audit record); presigning is local
//
// The upload and the download themselves go from the client to S3 with the function
// role's signature: the role needs s3:PutObject and s3:GetObject on trades/*, and the
// attachment key's kms:GenerateDataKey and kms:Decrypt.
package tradechat
