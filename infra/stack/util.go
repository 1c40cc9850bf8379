package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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

// scalar renders a resolved property value as CloudFormation passes it to a service: numbers
// without exponents, booleans as true/false, anything else through fmt.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
