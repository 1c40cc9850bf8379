package screening

// phoneticForm rewrites a prepared token so that common transliteration
// variants of the same name converge: kh/h, ph/f, ou/u, o/u, w/v, q/k,
// doubled letters, final h after a vowel ("Khusein" and "Hussein" both
// become "husein"; "Mohammed" and "Muhammad" become "muhamed"/"muhamad").
func phoneticForm(s string) string {
	if !isASCII(s) || len(s) < 2 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		var next byte
		if i+1 < len(s) {
			next = s[i+1]
		}
		switch {
		case c == 'k' && next == 'h', c == 'g' && next == 'h', c == 'd' && next == 'h', c == 't' && next == 'h':
			// kh -> h, gh -> g, dh -> d, th -> t
			if c != 'k' {
				b = append(b, c)
			} else {
				b = append(b, 'h')
			}
			i++
			continue
		case c == 'p' && next == 'h':
			b = append(b, 'f')
			i++
			continue
		case c == 's' && next == 'h', c == 'c' && next == 'h':
			b = append(b, 'x')
			i++
			continue
		case c == 'z' && next == 'h', c == 'd' && next == 'j':
			b = append(b, 'j')
			i++
			continue
		case c == 'o' && next == 'u', c == 'o' && next == 'o':
			b = append(b, 'u')
			i++
			continue
		case c == 'e' && next == 'e':
			b = append(b, 'i')
			i++
			continue
		case c == 'c' && next == 'k':
			b = append(b, 'k')
			i++
			continue
		}
		if c == 'x' {
			// The letter x is ks (Oxin: اکسین, Aleksandr); x stands
			// for sh in this form.
			if len(b) == 0 || b[len(b)-1] != 'k' {
				b = append(b, 'k')
			}
			b = append(b, 's')
			continue
		}
		switch c {
		case 'o':
			c = 'u'
		case 'w':
			c = 'v'
		case 'q', 'c':
			c = 'k'
		case 'y':
			if i > 0 && !isVowel(s[i-1]) && !isVowel(next) {
				c = 'i'
			}
		}
		if len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	if n := len(b); n > 2 && b[n-1] == 'h' && isVowel(b[n-2]) {
		b = b[:n-1]
	}
	return string(b)
}

// skeleton is the consonant skeleton of a phonetic form: vowels, y and w
// removed except in first position. Arabic script does not write short
// vowels, so "hsyn" (حسين) and "husein" share the skeleton "hsn".
func skeleton(p string) string {
	if !isASCII(p) {
		return p
	}
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if i > 0 && (isVowel(c) || c == 'y' || c == 'v' || c == 'h' && i == len(p)-1) {
			continue
		}
		if len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// consonantKey is the consonant key of a phonetic form, used to compare a
// name transliterated from Arabic script with its Latin spellings: Arabic
// writes neither short vowels nor, at the start of a word, a vowel of its
// own (alif and ain carry it), and long vowels are written with the
// letters that are also the glides y and w. So every vowel, y and w (v in
// the phonetic form) is dropped, the first letter included, as is a final
// h (ta marbuta: Fatima/Fatimah). "Mohammed", "Muhammad" and محمد share
// "mhmd"; "Omar" and عمر share "mr".
func consonantKey(p string) string {
	if !isASCII(p) {
		return p
	}
	var buf [32]byte
	b := buf[:0]
	for i := 0; i < len(p) && len(b) < len(buf); i++ {
		c := p[i]
		if isVowel(c) || c == 'y' || c == 'v' || c == 'w' || c == '\'' || c == 'h' && i == len(p)-1 && i > 0 {
			continue
		}
		if len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}
