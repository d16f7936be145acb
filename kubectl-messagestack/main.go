// kubectl-messagestack is a kubectl plugin for MessageStack resources (issue 13).
//
//	kubectl messagestack status NAME [-n NAMESPACE] [--context CTX]
//
// prints one screen for a person on call: the verdict, the conditions, the components with their ready and
// desired replicas, the Galera cluster and its database pods, and the stack's last events.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"messagestack.dev/kubectl-messagestack/internal/status"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use:           "kubectl-messagestack",
		Short:         "Look at MessageStack resources (kubectl messagestack status NAME)",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	flags.AddFlags(root.PersistentFlags())

	var timeout time.Duration
	statusCmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Conditions, components, Galera nodes and recent events of one MessageStack",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := flags.ToRESTConfig()
			if err != nil {
				return fmt.Errorf("kubeconfig: %w", err)
			}
			cfg.Timeout = timeout
			ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
			if err != nil {
				return fmt.Errorf("namespace: %w", err)
			}
			dyn, err := dynamic.NewForConfig(cfg)
			if err != nil {
				return err
			}
			kube, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return err
			}
			clients := status.Clients{Dynamic: dyn, Kube: kube}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			name := ""
			if len(args) == 1 {
				name = args[0]
			} else if name, err = status.OnlyStack(ctx, clients, ns); err != nil {
				return err
			}
			report, err := status.Gather(ctx, clients, ns, name)
			if err != nil {
				return err
			}
			status.Render(cmd.OutOrStdout(), report, time.Now())
			return nil
		},
	}
	statusCmd.Flags().DurationVar(&timeout, "timeout", 15*time.Second, "give up on the API server after this long")
	root.AddCommand(statusCmd)
	return root
}
