// Package awsmodel reads the AWS service models that botocore ships (the
// machine image's Python carries botocore) and checks JSON values against
// their shapes. The models are read where botocore keeps them, never copied
// into this repository.
package awsmodel

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// botocoreData is botocore's data directory, found through python3.
var botocoreData = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return "", fmt.Errorf("python3 with the botocore package is needed to find the AWS service models (python3 -c 'import botocore' failed: %v); use the machine image's Python, which carries botocore 1.43.11, or pip install botocore", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "data"), nil
})

// Decode reads the newest service-2.json.gz of service (botocore's name,
// such as stepfunctions or lambda) into v.
func Decode(service string, v any) error {
	data, err := botocoreData()
	if err != nil {
		return err
	}
	versions, err := filepath.Glob(filepath.Join(data, service, "*", "service-2.json.gz"))
	if err != nil || len(versions) == 0 {
		return fmt.Errorf("botocore has no service model named %q under %s", service, data)
	}
	sort.Strings(versions) // API versions are dates: the last is the newest
	path := versions[len(versions)-1]
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("the %s service model: %w", service, err)
	}
	defer file.Close()
	unzipped, err := gzip.NewReader(file)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := json.NewDecoder(unzipped).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
