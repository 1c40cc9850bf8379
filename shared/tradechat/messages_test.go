package tradechat

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/store"
)

func TestThePartiesPostAndReadTheirChatOldestFirst(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	m1 := f.post(t, f.trade, buyer, "Paid 500 EUR by SEPA,\nreference 4711")
	m2 := f.post(t, f.trade, seller, "Checking my bank")
	if m1.From != (Author{Role: AuthorBuyer, ID: buyerID}) || m2.From != (Author{Role: AuthorSeller, ID: sellerID}) {
		t.Fatalf("authors: %+v %+v", m1.From, m2.From)
	}
	for _, r := range []Reader{buyer, seller} {
		page, err := f.svc.ListMessages(ctx, f.tenant, f.trade, r, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Messages) != 2 || page.Messages[0].ID != m1.ID || page.Messages[1].Text != "Checking my bank" ||
			page.Messages[0].Text != "Paid 500 EUR by SEPA,\nreference 4711" || page.NextCursor != "" {
			t.Fatalf("%s reads %+v", r.UserID, page)
		}
	}
	// Stored encrypted: the item holds no plaintext.
	k := store.TradeMessageKey(f.tenant, f.trade, m1.ID)
	out, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: stringPtr(f.st.Table()), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: k.PK}, "SK": &types.AttributeValueMemberS{Value: k.SK}}})
	if err != nil || out.Item == nil {
		t.Fatal(err)
	}
	if raw := fmt.Sprint(out.Item); strings.Contains(raw, "SEPA") || strings.Contains(raw, "4711") {
		t.Fatalf("plaintext in the stored item: %s", raw)
	}
}

func stringPtr(s string) *string { return &s }

func TestStrangersStaffBeforeADisputeAndOtherTenantsAreToldTheTradeDoesNotExist(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.post(t, f.trade, buyer, "hello")
	other := setup(t) // another tenant, where the same buyer id and trade id mean nothing
	staffNoRole := Reader{Kind: ReaderStaff, StaffID: "stf_x"}
	cases := []struct {
		name   string
		tenant store.TenantID
		r      Reader
	}{
		{"a user who is not a party", f.tenant, stranger},
		{"a party reader without a user id", f.tenant, Reader{Kind: ReaderParty}},
		{"an analyst before any dispute", f.tenant, analyst},
		{"staff without a reviewing role", f.tenant, staffNoRole},
		{"the buyer, asking in another tenant", other.tenant, buyer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.ListMessages(ctx, c.tenant, f.trade, c.r, "", 0)
			wantCode(t, "list", err, "trade_not_found")
			_, err = f.svc.PostMessage(ctx, c.tenant, f.trade, c.r, MessageInput{Text: "hi"})
			wantCode(t, "post", err, "trade_not_found")
			_, err = f.svc.RequestUpload(ctx, c.tenant, f.trade, c.r, UploadInput{FileName: "a.png", ContentType: "image/png", Size: 10})
			wantCode(t, "upload", err, "trade_not_found")
			_, err = f.svc.AttachmentURL(ctx, c.tenant, f.trade, c.r, store.NewID())
			wantCode(t, "attachment", err, "trade_not_found")
		})
	}
	_, err := f.svc.ListMessages(ctx, f.tenant, "tr_absent", buyer, "", 0)
	wantCode(t, "an absent trade", err, "trade_not_found")
	_, err = f.svc.ListMessages(ctx, f.tenant, "tr#x", buyer, "", 0)
	wantCode(t, "an id that cannot be a key", err, "trade_not_found")
	if recs := f.auditRecords(t, f.trade); len(recs) != 0 {
		t.Fatalf("refused reads left audit records: %+v", recs)
	}
}

func TestStaffReadTheChatOnlyUnderADisputeAndEveryReadIsAudited(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	m := f.post(t, f.trade, buyer, "I paid")
	_, err := f.svc.ListMessages(ctx, f.tenant, f.trade, analyst, "", 0)
	wantCode(t, "before the dispute", err, "trade_not_found")

	f.dispute(f.trade, "")
	page, err := f.svc.ListMessages(ctx, f.tenant, f.trade, analyst, "", 0)
	if err != nil || len(page.Messages) != 1 || page.Messages[0].Text != "I paid" {
		t.Fatalf("during the dispute: %+v %v", page, err)
	}
	approver := Reader{Kind: ReaderStaff, StaffID: "stf_approver01", Roles: []string{RoleApprover}}
	if _, err := f.svc.ListMessages(ctx, f.tenant, f.trade, approver, "", 0); err != nil {
		t.Fatal(err)
	}
	recs := f.auditRecords(t, f.trade)
	if len(recs) != 2 {
		t.Fatalf("audit records: %+v", recs)
	}
	byActor := map[string]bool{}
	for _, r := range recs {
		if r.Action != AuditChatRead || r.Actor.Type != "staff" || r.Reason != "dispute_open" || r.Details["messages"] != "1" ||
			r.Details["firstMessage"] != m.ID {
			t.Fatalf("record: %+v", r)
		}
		byActor[r.Actor.ID] = true
	}
	if !byActor[staffID] || !byActor["stf_approver01"] {
		t.Fatalf("actors: %v", byActor)
	}
	// The parties' reads are not staff reads: no record.
	if _, err := f.svc.ListMessages(ctx, f.tenant, f.trade, buyer, "", 0); err != nil {
		t.Fatal(err)
	}
	if n := len(f.auditRecords(t, f.trade)); n != 2 {
		t.Fatalf("a party's read was audited: %d records", n)
	}

	// Resolved by a verdict: readable for the record, still audited.
	f.trades.update(f.tenant, f.trade, func(v *TradeView) { v.State, v.Disputed, v.Final = "resolved_refund", false, true })
	if _, err := f.svc.ListMessages(ctx, f.tenant, f.trade, analyst, "", 0); err != nil {
		t.Fatal(err)
	}
	recs = f.auditRecords(t, f.trade)
	if len(recs) != 3 || recs[2].Reason != "dispute_resolved" && recs[0].Reason != "dispute_resolved" && recs[1].Reason != "dispute_resolved" {
		t.Fatalf("after the verdict: %+v", recs)
	}

	// A trade the parties settled themselves is never staff's to read.
	settled := f.newTrade("released")
	f.trades.update(f.tenant, settled, func(v *TradeView) { v.Final = true })
	_, err = f.svc.ListMessages(ctx, f.tenant, settled, analyst, "", 0)
	wantCode(t, "a released trade", err, "trade_not_found")
}

func TestOnlyTheDisputesMediatorWritesAsStaffAndItIsAudited(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.dispute(f.trade, "stf_mediator")
	_, err := f.svc.PostMessage(ctx, f.tenant, f.trade, analyst, MessageInput{Text: "please send the receipt"})
	wantCode(t, "an analyst who is not the mediator", err, "not_mediator")

	mediator := Reader{Kind: ReaderStaff, StaffID: "stf_mediator", Roles: []string{RoleAnalyst}}
	m := f.post(t, f.trade, mediator, "Buyer, please upload your bank receipt")
	if m.From != (Author{Role: AuthorMediator, ID: "stf_mediator"}) {
		t.Fatalf("from %+v", m.From)
	}
	var posted bool
	for _, r := range f.auditRecords(t, f.trade) {
		posted = posted || r.Action == AuditStaffMessage && r.Actor.ID == "stf_mediator" && r.Details["message"] == m.ID
	}
	if !posted {
		t.Fatal("the mediator's message left no audit record")
	}
	page, err := f.svc.ListMessages(ctx, f.tenant, f.trade, seller, "", 0)
	if err != nil || len(page.Messages) != 1 || page.Messages[0].From.Role != AuthorMediator {
		t.Fatalf("the parties see %+v %v", page, err)
	}
	_, err = f.svc.RequestUpload(ctx, f.tenant, f.trade, mediator, UploadInput{FileName: "a.pdf", ContentType: "application/pdf", Size: 10})
	wantCode(t, "staff upload", err, "parties_only")
}

func TestAClosedTradesChatStaysReadableButTakesNoMessage(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.post(t, f.trade, buyer, "paid")
	f.trades.update(f.tenant, f.trade, func(v *TradeView) { v.State, v.Final = "released", true })
	_, err := f.svc.PostMessage(ctx, f.tenant, f.trade, seller, MessageInput{Text: "thanks"})
	wantCode(t, "post after release", err, "trade_closed")
	_, err = f.svc.RequestUpload(ctx, f.tenant, f.trade, buyer, UploadInput{FileName: "a.png", ContentType: "image/png", Size: 10})
	wantCode(t, "upload after release", err, "trade_closed")
	page, err := f.svc.ListMessages(ctx, f.tenant, f.trade, seller, "", 0)
	if err != nil || len(page.Messages) != 1 {
		t.Fatalf("read after release: %+v %v", page, err)
	}
}

func TestTheChatPagesInOrderWithCursorsBoundToItsTrade(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var want []string
	for i := range 7 {
		who := buyer
		if i%2 == 1 {
			who = seller
		}
		want = append(want, f.post(t, f.trade, who, fmt.Sprintf("message %d", i)).ID)
	}
	var got []string
	cursor := ""
	pages := 0
	for {
		page, err := f.svc.ListMessages(ctx, f.tenant, f.trade, buyer, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, m := range page.Messages {
			if m.Text != fmt.Sprintf("message %d", len(got)) {
				t.Fatalf("message %d reads %q", len(got), m.Text)
			}
			got = append(got, m.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages == 1 {
			other := f.newTrade("paid")
			_, err := f.svc.ListMessages(ctx, f.tenant, other, buyer, cursor, 3)
			wantCode(t, "a cursor of another trade", err, "invalid_cursor")
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("pages %d, got %v, want %v", pages, got, want)
	}
}

func TestMessageTextRules(t *testing.T) {
	cases := []struct {
		name, text, code string
	}{
		{"plain text passes", "Paid, see receipt", ""},
		{"newlines pass", "line one\nline two", ""},
		{"4000 characters of any script pass", strings.Repeat("ж", MaxTextRunes), ""},
		{"right-to-left marks pass", "\u200Fمرحبا", ""},
		{"empty is refused", "", "empty_text"},
		{"white space alone is refused", " \n ", "empty_text"},
		{"4001 characters are refused", strings.Repeat("a", MaxTextRunes+1), "text_too_long"},
		{"a tab is refused", "a\tb", "invalid_text"},
		{"a carriage return is refused", "a\r\nb", "invalid_text"},
		{"an escape sequence is refused", "\x1b[31mred", "invalid_text"},
		{"a direction override is refused", "IBAN \u202EDE89", "invalid_text"},
		{"a direction isolate is refused", "IBAN \u2067DE89\u2069", "invalid_text"},
		{"invalid UTF-8 is refused", "a\xffb", "invalid_text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantCode(t, c.name, checkText(c.text), c.code) })
	}
}

func TestAMessageTakesAtMostFiveDistinctAttachments(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, err := f.svc.PostMessage(ctx, f.tenant, f.trade, buyer, MessageInput{Text: "x", AttachmentIDs: []string{"a", "b", "c", "d", "e", "f"}})
	wantCode(t, "six", err, "too_many_attachments")
	_, err = f.svc.PostMessage(ctx, f.tenant, f.trade, buyer, MessageInput{Text: "x", AttachmentIDs: []string{"a", "a"}})
	wantCode(t, "twice the same", err, "duplicate_attachment")
}
