package store

// Keys of movement logging, mappings, client rules and lists, decisions and exports.
// Party segments ("V#vault" or "A#chain#addressKey" or "U#user") are built by the
// movements package from checked ids; each part goes through seg.

// Sort-key prefixes of a user's vault links (UserVaultKey) and address links
// (UserAddressKey).
const (
	VaultLinkSKPrefix   = "VAULT#"
	AddressLinkSKPrefix = "ADDR#"
)

// LinkHistoryPK is a user's history of links and unlinkings (never deleted).
func LinkHistoryPK(t TenantID, userID string) string { return tenantPK(t, "U", seg(userID), "LINKS") }

// VaultOwnerKey says which user a vault is linked to (unique per tenant).
func VaultOwnerKey(t TenantID, vaultID string) Key {
	return Key{PK: VaultPK(t, vaultID), SK: "OWNER"}
}

// AddressOwnerKey says which user a wallet address is linked to (unique per tenant).
func AddressOwnerKey(t TenantID, chain, addressKey string) Key {
	return Key{PK: AddressOwnersPK(t, chain, addressKey), SK: "OWNER"}
}

// MovementPK is a movement's partition (MovementKey's): the record and "CORR#" pointers to corrections.
func MovementPK(t TenantID, movementID string) string { return tenantPK(t, "MV", seg(movementID)) }

// MovementCorrectionKey points from a movement to the record that corrects it: one per
// movement (a later correction corrects the correction).
func MovementCorrectionKey(t TenantID, movementID string) Key {
	return Key{PK: MovementPK(t, movementID), SK: "CORRECTEDBY"}
}

// VelocityPK is the partition of a party's velocity buckets ("M#", "H#", "D#" sort keys).
func VelocityPK(t TenantID, partyParts ...string) string {
	parts := []string{"VEL"}
	for _, p := range partyParts {
		parts = append(parts, seg(p))
	}
	return tenantPK(t, parts...)
}

// DestinationPK is the partition of the destinations a party has sent to (one item each).
func DestinationPK(t TenantID, partyParts ...string) string {
	parts := []string{"VELDST"}
	for _, p := range partyParts {
		parts = append(parts, seg(p))
	}
	return tenantPK(t, parts...)
}

// NewDestinationsPK is the GSI1 partition of a party's destinations by first-seen time.
func NewDestinationsPK(t TenantID, partyParts ...string) string {
	parts := []string{"VELNEW"}
	for _, p := range partyParts {
		parts = append(parts, seg(p))
	}
	return tenantPK(t, parts...)
}

// RuleVersionsPK is a rule's versions.
func RuleVersionsPK(t TenantID, ruleID string) string { return tenantPK(t, "RULE", seg(ruleID)) }

// RulesHeadKey holds the tenant's rules generation and its lists' versions: one read
// tells a warm decision function whether its compiled rules and lists are current.
func RulesHeadKey(t TenantID) Key { return Key{PK: tenantPK(t), SK: "RULESHEAD"} }

// ClientListsPK is a tenant's client lists (SK "L#name").
func ClientListsPK(t TenantID) string { return tenantPK(t, "CLISTS") }

// ClientListKey is a client list's metadata.
func ClientListKey(t TenantID, name string) Key {
	return Key{PK: ClientListsPK(t), SK: "L#" + seg(name)}
}

// ClientListItemsPK is a client list's items (SK "I#value").
func ClientListItemsPK(t TenantID, name string) string { return tenantPK(t, "CLIST", seg(name)) }

// ClientListItemKey is one item of a client list.
func ClientListItemKey(t TenantID, name, value string) Key {
	return Key{PK: ClientListItemsPK(t, name), SK: "I#" + seg(value)}
}

// DecisionKey is a pre-signing decision; "MV#" pointers to the movements that cite it
// share the partition.
func DecisionKey(t TenantID, decisionID string) Key {
	return Key{PK: tenantPK(t, "DEC", seg(decisionID)), SK: "DECISION"}
}

// DecisionMovementKey links a decision to the movement logged with it (one: a decision
// is used once).
func DecisionMovementKey(t TenantID, decisionID string) Key {
	return Key{PK: tenantPK(t, "DEC", seg(decisionID)), SK: "MOVEMENT"}
}

// MovementExportKey is an export job.
func MovementExportKey(t TenantID, exportID string) Key {
	return Key{PK: tenantPK(t, "MVEXPORT", seg(exportID)), SK: "EXPORT"}
}

// SignalKey is one platform risk signal, deterministic from its evidence, so a
// redelivered movement raises it once.
func SignalKey(t TenantID, signalID string) Key {
	return Key{PK: tenantPK(t, "SIGNAL", seg(signalID)), SK: "SIGNAL"}
}

// RuleVersionKey is one version of a rule (kept for ever: decisions name them).
func RuleVersionKey(t TenantID, ruleID string, version string) Key {
	return Key{PK: RuleVersionsPK(t, ruleID), SK: "V#" + seg(version)}
}
