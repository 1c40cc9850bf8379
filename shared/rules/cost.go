package rules

import (
	"cel.dev/cel-go/checker"
)

// Bounds of the input that make static cost estimates sound: Input.Validate enforces them.
const (
	MaxFieldBytes    = 512 // any string field of the movement or a party
	MaxJurisdictions = 64  // jurisdiction tags of a party
)

// sizeEstimator tells the CEL cost estimator how large the input can be. With it, most
// rules have a static worst-case cost under the limit and run without runtime cost
// tracking, which otherwise costs about a third of the evaluation time; a rule whose
// worst case is unbounded or above the limit (a comprehension over a computed list, say)
// is tracked at runtime and stopped at the limit.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	path := n.Path()
	if len(path) < 2 {
		return nil
	}
	switch path[0] {
	case "movement", "source", "destination":
	default:
		return nil
	}
	switch {
	case len(path) == 2 && path[1] == "jurisdictions":
		return &checker.SizeEstimate{Min: 0, Max: MaxJurisdictions}
	case len(path) == 3 && path[1] == "jurisdictions" && path[2] == "@items":
		return &checker.SizeEstimate{Min: 0, Max: MaxFieldBytes}
	case len(path) == 2:
		return &checker.SizeEstimate{Min: 0, Max: MaxFieldBytes}
	}
	return nil
}

func (sizeEstimator) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}
