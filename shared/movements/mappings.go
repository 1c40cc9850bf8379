package movements

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
)

// Link kinds.
const (
	LinkVault  = "vault"
	LinkWallet = "wallet"
)

// Link is a user's vault or wallet.
type Link struct {
	Kind     string `json:"kind" dynamodbav:"kind"`
	UserID   string `json:"userId" dynamodbav:"userId"`
	VaultID  string `json:"vaultId,omitempty" dynamodbav:"vaultId,omitempty"`
	Label    string `json:"label,omitempty" dynamodbav:"label,omitempty"`
	Chain    string `json:"chain,omitempty" dynamodbav:"chain,omitempty"`
	Address  string `json:"address,omitempty" dynamodbav:"address,omitempty"`
	LinkedAt string `json:"linkedAt" dynamodbav:"linkedAt"`
	LinkedBy string `json:"linkedBy" dynamodbav:"linkedBy"`
	// Screening is the address's screening at linking (wallets only).
	Screening *LinkScreening `json:"screening,omitempty" dynamodbav:"screening,omitempty"`
}

// LinkScreening is what the sanctioned-address lists said of a wallet when it was linked.
type LinkScreening struct {
	Outcome     string   `json:"outcome" dynamodbav:"outcome"` // clear or match
	ListVersion string   `json:"listVersion" dynamodbav:"listVersion"`
	Entities    []string `json:"entities,omitempty" dynamodbav:"entities,omitempty"` // source:entityId
	ReviewID    string   `json:"reviewId,omitempty" dynamodbav:"reviewId,omitempty"`
	AlertID     string   `json:"alertId,omitempty" dynamodbav:"alertId,omitempty"`
}

// LinkEvent is one entry of a user's link history.
type LinkEvent struct {
	Action string `json:"action" dynamodbav:"action"` // linked or unlinked
	Link
	At string `json:"at" dynamodbav:"at"`
	By string `json:"by" dynamodbav:"by"`
}

type linkItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Link
	AddressKey string `dynamodbav:"addressKey,omitempty"`
}

func (linkItem) EntityType() string { return "user_link" }

// ownerItem makes a vault or an address belong to one user of the tenant at a time.
type ownerItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	UserID   string `dynamodbav:"userId"`
	Kind     string `dynamodbav:"kind"`
	LinkedAt string `dynamodbav:"linkedAt"`
}

func (ownerItem) EntityType() string { return "link_owner" }

type linkEventItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	LinkEvent
}

func (linkEventItem) EntityType() string { return "link_event" }

// VaultInput is POST /v1/users/{id}/vaults.
type VaultInput struct {
	VaultID string `json:"vaultId"`
	Label   string `json:"label"`
}

// WalletInput is POST /v1/users/{id}/wallets.
type WalletInput struct {
	Chain   string `json:"chain"`
	Address string `json:"address"`
	Label   string `json:"label"`
}

var (
	errUserNotFound = failure.Missing("user_not_found", "no such user")
	errLinkNotFound = failure.Missing("link_not_found", "no such link for this user")
)

func checkLabel(l string) error {
	if utf8.RuneCountInString(l) > 100 || !cleanText(l, false) {
		return invalid("invalid_label", "label is at most 100 characters of text, without control or direction characters")
	}
	return nil
}

// linkable: a user who was rejected or closed takes no new vaults or wallets.
func (s *Service) linkable(ctx context.Context, t store.TenantID, userID string) (onboarding.User, error) {
	if !userIDPattern.MatchString(userID) {
		return onboarding.User{}, errUserNotFound
	}
	u, err := s.Users.GetUser(ctx, t, userID)
	if err != nil {
		return u, err
	}
	if u.Status == lifecycle.StatusClosed || u.Status == lifecycle.StatusRejected {
		return u, failure.Conflicting("user_not_linkable", "the user is %s: no vault or wallet can be linked", u.Status)
	}
	return u, nil
}

// LinkVault links a vault to a user. Linking the same vault to the same user again
// answers the existing link; a vault linked to another user is 409 vault_already_linked.
func (s *Service) LinkVault(ctx context.Context, t store.TenantID, by audit.Actor, userID string, in VaultInput) (Link, bool, error) {
	if !vaultPattern.MatchString(in.VaultID) {
		return Link{}, false, invalid("invalid_vault_id", "vaultId is 1 to 128 characters of letters, digits and . _ : -")
	}
	if err := checkLabel(in.Label); err != nil {
		return Link{}, false, err
	}
	if _, err := s.linkable(ctx, t, userID); err != nil {
		return Link{}, false, err
	}
	l := Link{Kind: LinkVault, UserID: userID, VaultID: in.VaultID, Label: strings.TrimSpace(in.Label), LinkedAt: store.FormatTime(s.now()), LinkedBy: actorRef(by)}
	return s.link(ctx, t, by, l, store.UserVaultKey(t, userID, in.VaultID), store.VaultOwnerKey(t, in.VaultID), "")
}

// LinkWallet links a wallet address to a user. The address is checked for its chain and
// normalised; it is screened against the sanctioned-address lists, and a hit opens a
// platform review of the user and an alert for the client (the link is made all the
// same: the address is the user's, and the review decides).
func (s *Service) LinkWallet(ctx context.Context, t store.TenantID, by audit.Actor, userID string, in WalletInput) (Link, bool, error) {
	a, err := NormalizeAddress(in.Chain, in.Address)
	if err != nil {
		return Link{}, false, addressError("wallet", err)
	}
	if err := checkLabel(in.Label); err != nil {
		return Link{}, false, err
	}
	if _, err := s.linkable(ctx, t, userID); err != nil {
		return Link{}, false, err
	}
	hit, err := s.screenAddress(ctx, a)
	if err != nil {
		return Link{}, false, err
	}
	at := store.FormatTime(s.now())
	l := Link{Kind: LinkWallet, UserID: userID, Chain: a.Chain, Address: a.Bare, Label: strings.TrimSpace(in.Label), LinkedAt: at,
		LinkedBy: actorRef(by), Screening: &LinkScreening{Outcome: "clear", ListVersion: hit.Version}}
	if len(hit.Matches) > 0 {
		l.Screening.Outcome = "match"
		for _, m := range hit.Matches {
			l.Screening.Entities = append(l.Screening.Entities, string(m.Source)+":"+matchEntity(m))
		}
	}
	created, isNew, err := s.link(ctx, t, by, l, store.UserAddressKey(t, userID, a.Chain, a.Key), store.AddressOwnerKey(t, a.Chain, a.Key), a.Key)
	if err != nil || !isNew {
		return created, false, err
	}
	if len(hit.Matches) > 0 {
		// The link is stored; the review and the alert follow it. Both are idempotent
		// (keyed by the link), so a retry of a failure here completes them.
		if err := s.flagWallet(ctx, t, &created, a, hit); err != nil {
			return created, true, err
		}
	}
	return created, true, nil
}

// link writes a link, its owner item, its history entry and the audit record in one
// transaction.
func (s *Service) link(ctx context.Context, t store.TenantID, by audit.Actor, l Link, key, owner store.Key, addrKey string) (Link, bool, error) {
	item := linkItem{TenantID: string(t), Link: l, AddressKey: addrKey}
	ev := linkEventItem{TenantID: string(t), LinkEvent: LinkEvent{Action: "linked", Link: l, At: l.LinkedAt, By: l.LinkedBy}}
	subject := l.VaultID
	if l.Kind == LinkWallet {
		subject = l.Chain + ":" + l.Address
	}
	_, err := s.Audit.Commit(ctx, t, audit.Record{Action: "user." + l.Kind + "_linked", Actor: by, Subject: audit.Subject{Type: "user", ID: l.UserID},
		Details: map[string]string{"kind": l.Kind, "ref": auditRef(subject)}}, func(tx *store.Tx) {
		tx.Create(key, item)
		tx.Create(owner, ownerItem{TenantID: string(t), UserID: l.UserID, Kind: l.Kind, LinkedAt: l.LinkedAt})
		tx.Create(store.Key{PK: store.LinkHistoryPK(t, l.UserID), SK: store.TimeSK(timeOf(l.LinkedAt), store.NewID())}, ev)
	})
	if err == nil {
		return l, true, nil
	}
	if !errors.Is(err, store.ErrAlreadyExists) {
		return Link{}, false, err
	}
	// Already linked: to this user (answer the link) or to another one (409).
	var cur linkItem
	if gerr := s.Store.Get(ctx, key, &cur); gerr == nil && cur.TenantID == string(t) {
		return cur.Link, false, nil
	}
	if l.Kind == LinkVault {
		return Link{}, false, failure.Conflicting("vault_already_linked", "the vault is linked to another user; unlink it first")
	}
	return Link{}, false, failure.Conflicting("wallet_already_linked", "the address is linked to another user; unlink it first")
}

// auditRef keeps audit details free of full addresses: a short prefix is enough to find
// the link in the user's history.
func auditRef(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// Links lists a user's current vaults (kind vault) or wallets (kind wallet), and the
// history of links and unlinkings, newest first (at most 200).
func (s *Service) Links(ctx context.Context, t store.TenantID, userID, kind string) ([]Link, []LinkEvent, error) {
	if !userIDPattern.MatchString(userID) {
		return nil, nil, errUserNotFound
	}
	if _, err := s.Users.GetUser(ctx, t, userID); err != nil {
		return nil, nil, err
	}
	prefix := store.VaultLinkSKPrefix
	if kind == LinkWallet {
		prefix = store.AddressLinkSKPrefix
	}
	links := []Link{}
	err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.UserPK(t, userID), SKPrefix: prefix, Tenant: t, Limit: store.MaxLimit},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, it := range items {
				var l linkItem
				if err := store.Unmarshal(it, &l); err != nil {
					return false, err
				}
				links = append(links, l.Link)
			}
			return true, nil
		})
	if err != nil {
		return nil, nil, err
	}
	page, err := s.Store.Query(ctx, store.QueryInput{PK: store.LinkHistoryPK(t, userID), Tenant: t, Limit: store.MaxLimit, Descending: true})
	if err != nil {
		return nil, nil, err
	}
	evs, err := store.Items[linkEventItem](page)
	if err != nil {
		return nil, nil, err
	}
	hist := []LinkEvent{}
	for _, e := range evs {
		if e.Kind == kind {
			hist = append(hist, e.LinkEvent)
		}
	}
	return links, hist, nil
}

// UnlinkVault removes a vault link; the history keeps it.
func (s *Service) UnlinkVault(ctx context.Context, t store.TenantID, by audit.Actor, userID, vaultID string) error {
	if !userIDPattern.MatchString(userID) || !vaultPattern.MatchString(vaultID) {
		return errLinkNotFound
	}
	return s.unlink(ctx, t, by, store.UserVaultKey(t, userID, vaultID), store.VaultOwnerKey(t, vaultID))
}

// UnlinkWallet removes a wallet link; the history keeps it.
func (s *Service) UnlinkWallet(ctx context.Context, t store.TenantID, by audit.Actor, userID, chain, address string) error {
	if !userIDPattern.MatchString(userID) {
		return errLinkNotFound
	}
	a, err := NormalizeAddress(chain, address)
	if err != nil {
		return addressError("wallet", err)
	}
	return s.unlink(ctx, t, by, store.UserAddressKey(t, userID, a.Chain, a.Key), store.AddressOwnerKey(t, a.Chain, a.Key))
}

func (s *Service) unlink(ctx context.Context, t store.TenantID, by audit.Actor, key, owner store.Key) error {
	return retry(ctx, func() error {
		var cur linkItem
		if err := s.Store.Get(ctx, key, &cur); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errLinkNotFound
			}
			return err
		}
		if cur.TenantID != string(t) {
			return errLinkNotFound
		}
		at := store.FormatTime(s.now())
		ev := linkEventItem{TenantID: string(t), LinkEvent: LinkEvent{Action: "unlinked", Link: cur.Link, At: at, By: actorRef(by)}}
		subject := cur.VaultID
		if cur.Kind == LinkWallet {
			subject = cur.Chain + ":" + cur.Address
		}
		_, err := s.Audit.Commit(ctx, t, audit.Record{Action: "user." + cur.Kind + "_unlinked", Actor: by, Subject: audit.Subject{Type: "user", ID: cur.UserID},
			Details: map[string]string{"kind": cur.Kind, "ref": auditRef(subject)}}, func(tx *store.Tx) {
			tx.Delete(key, cur.Version)
			tx.Delete(owner, 1)
			tx.Create(store.Key{PK: store.LinkHistoryPK(t, cur.UserID), SK: store.TimeSK(timeOf(at), store.NewID())}, ev)
		})
		if errors.Is(err, store.ErrNotFound) {
			return errLinkNotFound
		}
		return err
	})
}

// owner is the user a vault or address is linked to ("" when none).
func (s *Service) owner(ctx context.Context, key store.Key) (string, error) {
	var o ownerItem
	if err := s.Store.Get(ctx, key, &o); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", nil
		}
		return "", err
	}
	return o.UserID, nil
}

func actorRef(a audit.Actor) string { return a.Type + ":" + a.ID }
