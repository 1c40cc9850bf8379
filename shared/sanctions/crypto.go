package sanctions

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

const cryptoFilePrefix, cryptoFileSuffix = "sanctioned_addresses_", ".txt"

// ParseCryptoAddressDir reads every sanctioned_addresses_<ASSET>.txt file of
// a folder into a list whose Addresses carry the asset from the file name.
func ParseCryptoAddressDir(fsys fs.FS) (*List, error) {
	names, err := fs.Glob(fsys, cryptoFilePrefix+"*"+cryptoFileSuffix)
	if err != nil {
		return nil, fmt.Errorf("list crypto address files: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("crypto address files: %w", ErrMissingFile)
	}
	sort.Strings(names)
	l := newList(SourceOFACCrypto)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		asset := strings.TrimSuffix(strings.TrimPrefix(path.Base(name), cryptoFilePrefix), cryptoFileSuffix)
		addrs, err := ParseCryptoAddresses(strings.NewReader(string(b)), asset)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		l.Addresses = append(l.Addresses, addrs...)
		l.Checksums[name] = checksum(b)
	}
	return l, nil
}

// ParseCryptoAddresses reads one address per line; blank lines and lines
// starting with # are ignored.
func ParseCryptoAddresses(r io.Reader, asset string) ([]CryptoAddress, error) {
	var out []CryptoAddress
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, CryptoAddress{Asset: strings.ToUpper(asset), Address: line})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
