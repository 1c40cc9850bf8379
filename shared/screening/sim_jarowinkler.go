package screening

// jaroWinkler returns the Jaro-Winkler similarity of two byte strings
// (names are ASCII after preparation; other scripts compare bytewise).
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	window := lb/2 - 1
	if window < 0 {
		window = 0
	}
	var flagsA, flagsB [64]bool
	if lb > 64 {
		return jaroWinklerLong(a, b)
	}
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := i-window, i+window+1
		if lo < 0 {
			lo = 0
		}
		if hi > lb {
			hi = lb
		}
		for j := lo; j < hi; j++ {
			if !flagsB[j] && a[i] == b[j] {
				flagsA[i], flagsB[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans, k := 0, 0
	for i := 0; i < la; i++ {
		if !flagsA[i] {
			continue
		}
		for !flagsB[k] {
			k++
		}
		if a[i] != b[k] {
			trans++
		}
		k++
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(trans)/2)/m) / 3
	prefix := 0
	for prefix < 4 && prefix < la && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// jaroWinklerLong handles tokens longer than 64 bytes (rare) by comparing
// their 64-byte prefixes.
func jaroWinklerLong(a, b string) float64 {
	if len(a) > 64 {
		a = a[:64]
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return jaroWinkler(a, b)
}
