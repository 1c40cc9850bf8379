package escrow

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// render is the table as doc.go shows it.
func render() []string {
	var out []string
	line := func(from, action, to, by, effect, guard string) {
		out = append(out, strings.TrimRight(fmt.Sprintf("//\t%-16s %-16s %-17s %-24s %-8s %s", from, action, to, by, effect, guard), " "))
	}
	line("from", "action", "to", "by", "ledger", "guard")
	o := Opening
	line("(new)", string(o.Action), string(o.To), "client for the parties", string(o.Effect), o.Guard)
	for _, t := range table {
		by := make([]string, len(t.By))
		for i, r := range t.By {
			by[i] = string(r)
		}
		line(string(t.From), string(t.Action), string(t.To), strings.Join(by, ","), string(t.Effect), t.Guard)
	}
	return out
}

func TestThePackageDocShowsTheTableAsTheCodeHasIt(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range render() {
		if !strings.Contains(string(doc), l+"\n") {
			t.Errorf("doc.go lacks the line\n%s\n(render():\n%s)", l, strings.Join(render(), "\n"))
			return
		}
	}
}

func TestTheTableOnlyMovesForwardAndEveryTradeEnds(t *testing.T) {
	seen := map[string]bool{}
	for _, row := range table {
		k := fmt.Sprint(row.From, row.Action, row.To)
		if seen[k] {
			t.Errorf("row %s twice", k)
		}
		seen[k] = true
		if row.From.Final() {
			t.Errorf("a final state has a way out: %+v", row)
		}
		if !row.From.Valid() || !row.To.Valid() || len(row.By) == 0 || row.Guard == "" {
			t.Errorf("incomplete row %+v", row)
		}
		if row.Action == Unhold {
			if row.From != OnHold || row.To == OnHold || row.To.Final() {
				t.Errorf("unhold goes back to where the trade was held from: %+v", row)
			}
			continue
		}
		if row.To.rank() <= row.From.rank() {
			t.Errorf("backwards: %+v", row)
		}
	}
	// Without the unhold pause, the graph has no cycle (ranks increase), so every trade
	// reaches a final state; with it, a trade returns to the very state it was held from.
	for _, s := range States {
		if s.Final() != (len(Duties(Trade{State: s, Dispute: &Dispute{}}, Policy{})) == 0) {
			t.Errorf("%s: a non-final state needs a duty (a timer or an owner), a final one has none", s)
		}
		var out []Transition
		for _, row := range table {
			if row.From == s {
				out = append(out, row)
			}
		}
		if !s.Final() && len(out) == 0 {
			t.Errorf("%s is a dead end", s)
		}
	}
}

func TestOnlyTransitionsIntoAFinalStateMoveTheEscrowAndTheyMoveItOnce(t *testing.T) {
	for _, row := range table {
		want := EffectNone
		switch row.To {
		case Released, ResolvedRelease:
			want = EffectRelease
		case Cancelled, ResolvedRefund:
			want = EffectRefund
		}
		if row.Effect != want {
			t.Errorf("%s -%s-> %s moves %s, want %s", row.From, row.Action, row.To, row.Effect, want)
		}
	}
	if Opening.Effect != EffectLock || Opening.To != Locked {
		t.Error("opening locks the escrow")
	}
	// Final states are absorbing, so a path locks once and releases or refunds once.
	for _, s := range States {
		if s.Final() && slices.ContainsFunc(table, func(r Transition) bool { return r.From == s }) {
			t.Errorf("%s is not absorbing", s)
		}
	}
}
