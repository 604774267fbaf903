// The upstream kubernetes provider (github.com/pulumi/pulumi-kubernetes/provider/v4, release v4.25.0),
// started the way upstream's cmd/pulumi-resource-kubernetes starts it. Upstream's own main embeds two
// files its `go generate` writes and the module zip lacks; sim/build-tools.sh writes the same two files
// here from the module's schema.json and terraform-mapping.json before it builds this package.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
