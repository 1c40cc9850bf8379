package screening

// legalForms are company legal-form words after tokenisation (dots are
// already removed, so "S.A." is "sa" and "L.L.C." is "llc").
var legalForms = map[string]bool{
	"llc": true, "ltd": true, "limited": true, "inc": true, "incorporated": true,
	"corp": true, "corporation": true, "co": true, "company": true, "gmbh": true,
	"ag": true, "kg": true, "sa": true, "sas": true, "sarl": true, "srl": true,
	"spa": true, "sl": true, "bv": true, "nv": true, "plc": true, "pjsc": true,
	"ojsc": true, "cjsc": true, "jsc": true, "ooo": true, "oao": true,
	"zao": true, "pao": true, "tov": true, "pt": true, "tbk": true, "bhd": true,
	"sdn": true, "pte": true, "pvt": true, "llp": true, "lp": true, "fze": true,
	"fzc": true, "fzco": true, "fzllc": true, "kft": true, "zrt": true,
	"doo": true, "sae": true, "saog": true, "saoc": true, "wll": true,
	"ltda": true, "cia": true, "sac": true, "sab": true, "cv": true,
}

func isLegalForm(w string) bool { return legalForms[w] }

// dropLegalForms removes legal forms when something meaningful remains:
// "ANGLO-CARIBBEAN CO., LTD." becomes "anglo caribbean", "11420 CORP."
// becomes "11420" (numbers are meaningful), but "CO LTD" stays as is.
func dropLegalForms(words []string) []string {
	return dropIf(words, isLegalForm, func(rest []string) bool {
		for _, w := range rest {
			if len(w) > 1 || isDigits(w) {
				return true
			}
		}
		return false
	})
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
