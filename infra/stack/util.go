package stack

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

const waitLimit = 30 * time.Second

// remarshal converts a generic property map into a typed struct through JSON, whose
// decoder matches CloudFormation's PascalCase keys to Go field names.
func remarshal(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func isTTLAlreadyOn(err error) bool {
	return strings.Contains(err.Error(), "TimeToLive is already enabled")
}
