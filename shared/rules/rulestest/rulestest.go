// Package rulestest holds the 50-rule sets that the rules engine's, the movement
// service's and the load tool's benchmarks measure, so that their figures are of the
// same rules.
package rulestest

import "fmt"

// Busy are 50 rules of the kind clients write: list membership ("my-blocklist",
// "usdt-frozen", "partner-blocklist", "internal-watch", "high-risk-countries"), amounts
// per asset, velocity over the four windows given (a window named twice is one Query
// fewer per decision), jurisdiction and risk; last is the window of the last rule.
func Busy(windows [4]string, last string) []string {
	var xs []string
	for _, l := range []string{"my-blocklist", "usdt-frozen", "partner-blocklist", "internal-watch", "my-blocklist"} {
		xs = append(xs, fmt.Sprintf(`destination.address in list(%q)`, l))
	}
	xs = append(xs,
		`source.address in list("my-blocklist")`,
		`destination.country in list("high-risk-countries")`,
		`source.country in list("high-risk-countries") && movement.direction == "out"`,
		`source.jurisdictions.exists(j, j in list("high-risk-countries"))`,
		`destination.sanctioned || source.sanctioned`,
	)
	for i, asset := range []string{"BTC", "ETH", "USDT", "USDC", "SOL"} {
		xs = append(xs,
			fmt.Sprintf(`movement.asset == %q && movement.amount > decimal("%d.5")`, asset, (i+1)*1000),
			fmt.Sprintf(`movement.asset == %q && movement.amount >= %d && movement.direction == "out"`, asset, (i+1)*100),
		)
	}
	for _, w := range windows {
		xs = append(xs,
			fmt.Sprintf(`count_out(duration(%q)) > 10`, w),
			fmt.Sprintf(`sum_out_usd(duration(%q)) + movement.valueUsd > 50000.0`, w),
			fmt.Sprintf(`distinct_destinations(duration(%q)) >= 5 && movement.kind == "vault_to_wallet"`, w),
		)
	}
	xs = append(xs, shapes...)
	xs = append(xs,
		`size(movement.txHash) == 0 && movement.direction == "out"`,
		`movement.valueUsd > 1000000.0`,
		`source.userId != destination.userId && destination.userId != "" && movement.valueUsd > 250000.0`,
		`count_out(duration("1h")) > 3 && destination.address in list("internal-watch")`,
		`distinct_destinations(duration("24h")) > 20`,
		`movement.asset == "ETH" && movement.amount > 10 && destination.address in list("partner-blocklist")`,
		`count_out(duration("24h")) > 50 || sum_out_usd(duration("24h")) > 500000.0`,
		`source.type == "vault" && destination.type == "vault" && movement.valueUsd > 5000000.0`,
		`destination.jurisdictions.exists(j, j == "RU" || j == "BY") && movement.direction == "out"`,
		fmt.Sprintf(`count_out(duration(%q)) == 0 && movement.valueUsd > 10000.0`, last),
	)
	return xs
}

// Quiet are 50 rules of the same shapes, over the address list block and the country
// list countries, with thresholds that a benchmark withdrawal never reaches: what a
// decision or the processing of a movement costs when no rule hits.
func Quiet(block, countries string) []string {
	xs := []string{
		fmt.Sprintf(`destination.address in list(%q)`, block),
		fmt.Sprintf(`source.address in list(%q)`, block),
		fmt.Sprintf(`destination.country in list(%q)`, countries),
		fmt.Sprintf(`source.jurisdictions.exists(j, j in list(%q))`, countries),
		`destination.sanctioned || source.sanctioned`,
	}
	for i, asset := range []string{"BTC", "ETH", "USDT", "USDC", "SOL"} {
		xs = append(xs,
			fmt.Sprintf(`movement.asset == %q && movement.amount > decimal("%d.5")`, asset, (i+1)*100000),
			fmt.Sprintf(`movement.asset == %q && movement.amount >= %d && movement.direction == "out"`, asset, (i+1)*100000),
		)
	}
	for _, w := range []string{"10m", "1h", "24h", "24h"} {
		xs = append(xs,
			fmt.Sprintf(`count_out(duration(%q)) > 1000000`, w),
			fmt.Sprintf(`sum_out_usd(duration(%q)) + movement.valueUsd > 5000000000.0`, w),
			fmt.Sprintf(`distinct_destinations(duration(%q)) >= 500 && movement.kind == "vault_to_wallet"`, w),
		)
	}
	xs = append(xs, shapes...)
	xs = append(xs,
		`size(movement.txHash) == 0 && movement.direction == "out" && movement.valueUsd > 100000.0`,
		`movement.valueUsd > 1000000.0`,
		`source.userId != destination.userId && destination.userId != "" && movement.valueUsd > 250000.0`,
		fmt.Sprintf(`count_out(duration("1h")) > 3 && destination.address in list(%q)`, block),
		`distinct_destinations(duration("24h")) > 2000`,
		fmt.Sprintf(`movement.asset == "ETH" && movement.amount > 10 && destination.address in list(%q)`, block),
		`count_out(duration("24h")) > 5000000 || sum_out_usd(duration("24h")) > 50000000000.0`,
		`source.type == "vault" && destination.type == "vault" && movement.valueUsd > 5000000.0`,
		`destination.jurisdictions.exists(j, j == "RU" || j == "BY") && movement.direction == "out"`,
		`count_out(duration("10m")) == 0 && movement.valueUsd > 10000.0`,
		`movement.amount > decimal("999999999.5")`,
		`source.riskTier == "high" && destination.userId == ""`,
		`movement.asset == "XMR"`,
		`destination.type == "address" && destination.chain == "TRX" && movement.valueUsd > 100000.0`,
		`source.type == "address" && source.sanctioned`,
	)
	return xs
}

// shapes are the rules both sets share: inflow and outflow together, risk tiers, the hour
// of day, a jurisdiction and a destination country, a cross-chain destination.
var shapes = []string{
	`count_in(duration("1h")) > 0 && sum_in_usd(duration("1h")) > 10000.0 && count_out(duration("1h")) > 0`,
	`sum_in_usd(duration("24h")) > 100000.0`,
	`source.riskTier == "high" && movement.valueUsd > 1000.0`,
	`destination.riskTier == "high" && !movement.hasValueUsd`,
	`movement.kind == "wallet_to_wallet" && destination.userId == ""`,
	`movement.occurredAt.getHours("UTC") < 5 && movement.valueUsd > 20000.0`,
	`"US" in source.jurisdictions && destination.country == "CU"`,
	`movement.chain != destination.chain && destination.type == "address"`,
}
