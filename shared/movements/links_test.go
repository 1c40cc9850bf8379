package movements

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

// actions are a link history's entries, oldest first, as "action vault-or-address".
func actions(hist []LinkEvent) []string {
	var out []string
	for _, e := range hist {
		ref := e.VaultID
		if e.Kind == LinkWallet {
			ref = e.Chain + ":" + e.Address
		}
		out = append(out, e.Action+" "+ref)
	}
	slices.Reverse(out)
	return out
}

func TestAVaultLinkedUnlinkedAndRelinkedKeepsItsHistoryAndStaysTheUsers(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u1, u2 := userID(1), userID(2)
	if _, created, err := f.svc.LinkVault(ctx, f.tenant, client, u1, VaultInput{VaultID: "vault-a", Label: "main"}); err != nil || !created {
		t.Fatalf("link: %v", err)
	}
	f.advance(time.Minute)
	if err := f.svc.UnlinkVault(ctx, f.tenant, client, u1, "vault-a"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.UnlinkVault(ctx, f.tenant, client, u1, "vault-a"); code(err) != "link_not_found" {
		t.Fatalf("unlink twice: %v", err)
	}
	f.advance(time.Minute)
	l, created, err := f.svc.LinkVault(ctx, f.tenant, client, u1, VaultInput{VaultID: "vault-a", Label: "main again"})
	if err != nil || !created || l.Label != "main again" || l.LinkedAt != store.FormatTime(f.now()) {
		t.Fatalf("relink: %+v %v", l, err)
	}
	// Linked again: the vault is the user's, so another user is refused and the user's
	// own link is answered as it is.
	if _, _, err := f.svc.LinkVault(ctx, f.tenant, client, u2, VaultInput{VaultID: "vault-a"}); code(err) != "vault_already_linked" {
		t.Fatalf("another user: %v", err)
	}
	if got, created, err := f.svc.LinkVault(ctx, f.tenant, client, u1, VaultInput{VaultID: "vault-a", Label: "ignored"}); err != nil || created || got.Label != "main again" {
		t.Fatalf("link again: %+v %v %v", got, created, err)
	}
	if err := f.svc.UnlinkVault(ctx, f.tenant, client, u2, "vault-a"); code(err) != "link_not_found" {
		t.Fatalf("another user unlinks: %v", err)
	}
	links, hist, err := f.svc.Links(ctx, f.tenant, u1, LinkVault)
	if err != nil || len(links) != 1 || links[0].VaultID != "vault-a" || links[0].Label != "main again" {
		t.Fatalf("links: %+v %v", links, err)
	}
	if want := []string{"linked vault-a", "unlinked vault-a", "linked vault-a"}; !slices.Equal(actions(hist), want) {
		t.Fatalf("history: %v, want %v", actions(hist), want)
	}
	if hist[1].By != "client:key1" || hist[1].Label != "main" || hist[0].Label != "main again" {
		t.Fatalf("history entries: %+v", hist)
	}
	// The refused user has no history of it.
	if _, hist2, err := f.svc.Links(ctx, f.tenant, u2, LinkVault); err != nil || len(hist2) != 0 {
		t.Fatalf("other user's history: %+v %v", hist2, err)
	}
	// Movements of the vault now name the user.
	f.mustLog(t, f.withdrawal("after-relink", "vault-a", cleanETH, "1", "1"))
	if m, err := f.svc.Get(ctx, f.tenant, client, "after-relink"); err != nil || m.Source.UserID != u1 {
		t.Fatalf("movement: %+v %v", m.Source, err)
	}
}

func TestAWalletLinkedUnlinkedAndRelinkedKeepsItsHistoryAndStaysTheUsers(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u1, u2 := userID(1), userID(2)
	if _, created, err := f.svc.LinkWallet(ctx, f.tenant, client, u1, WalletInput{Chain: "ETH", Address: cleanETH}); err != nil || !created {
		t.Fatalf("link: %v", err)
	}
	// The same address in another case is the same wallet.
	if err := f.svc.UnlinkWallet(ctx, f.tenant, client, u1, "eth", strings.ToLower(cleanETH)); err != nil {
		t.Fatal(err)
	}
	if _, created, err := f.svc.LinkWallet(ctx, f.tenant, client, u1, WalletInput{Chain: "ETH", Address: strings.ToUpper(cleanETH[2:])}); err != nil || !created {
		t.Fatalf("relink: %v", err)
	}
	if _, _, err := f.svc.LinkWallet(ctx, f.tenant, client, u2, WalletInput{Chain: "ETH", Address: cleanETH}); code(err) != "wallet_already_linked" {
		t.Fatalf("another user: %v", err)
	}
	links, hist, err := f.svc.Links(ctx, f.tenant, u1, LinkWallet)
	if err != nil || len(links) != 1 || links[0].Screening == nil || links[0].Screening.Outcome != "clear" {
		t.Fatalf("links: %+v %v", links, err)
	}
	if got := actions(hist); len(got) != 3 || !strings.HasPrefix(got[0], "linked ETH:") || !strings.HasPrefix(got[1], "unlinked ETH:") || !strings.HasPrefix(got[2], "linked ETH:") {
		t.Fatalf("history: %v", got)
	}
	// A user's vault history holds no wallets and the other way round.
	if _, vh, err := f.svc.Links(ctx, f.tenant, u1, LinkVault); err != nil || len(vh) != 0 {
		t.Fatalf("vault history: %+v %v", vh, err)
	}
}
