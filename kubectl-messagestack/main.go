// kubectl-messagestack is a kubectl plugin for MessageStack resources (issue 13).
//
//	kubectl messagestack status NAME                     one screen for a person on call
//	kubectl messagestack backup NAME [--name B] [--wait] an on-demand MessageStackBackup of the stack
//	kubectl messagestack switchover NAME --to POD [--wait]  move HAProxy's writer to POD (planned switchover)
//	kubectl messagestack restore NEW --from-backup B [--to-time T]   a new MessageStack filled from a Completed backup (to T)
//	                                                     (--target-namespace T: in another namespace)
//
// Each takes kubectl's flags (-n NAMESPACE, --context CTX, --kubeconfig ...).
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"messagestack.dev/kubectl-messagestack/internal/backup"
	"messagestack.dev/kubectl-messagestack/internal/status"
	"messagestack.dev/kubectl-messagestack/internal/switchover"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		os.Exit(1)
	}
}

// session is what every verb needs: the clients and the namespace from kubectl's flags.
type session struct {
	clients status.Clients
	ns      string
}

func connect(flags *genericclioptions.ConfigFlags, timeout time.Duration) (*session, error) {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.Timeout = timeout
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, fmt.Errorf("namespace: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &session{clients: status.Clients{Dynamic: dyn, Kube: kube}, ns: ns}, nil
}

// open connects and bounds the command's API calls by timeout; the func it returns releases the context.
func open(cmd *cobra.Command, flags *genericclioptions.ConfigFlags, timeout time.Duration) (context.Context, *session, func(), error) {
	s, err := connect(flags, timeout)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	return ctx, s, cancel, nil
}

// stackName is the NAME argument, or the namespace's only stack when it is left out.
func (s *session) stackName(ctx context.Context, args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	return status.OnlyStack(ctx, s.clients, s.ns)
}

func newRoot() *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use:           "kubectl-messagestack",
		Short:         "Look at and operate MessageStack resources (status, switchover, backup, restore)",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	flags.AddFlags(root.PersistentFlags())
	var timeout time.Duration
	root.PersistentFlags().DurationVar(&timeout, "timeout", 15*time.Second, "give up on the API server after this long (with --wait: on the backup)")
	root.AddCommand(statusCommand(flags, &timeout), backupCommand(flags, &timeout), restoreCommand(flags, &timeout),
		switchoverCommand(flags, &timeout))
	return root
}

func statusCommand(flags *genericclioptions.ConfigFlags, timeout *time.Duration) *cobra.Command {
	return &cobra.Command{
		Use:   "status NAME",
		Short: "Conditions, components, Galera nodes and recent events of one MessageStack",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, s, release, err := open(cmd, flags, *timeout)
			if err != nil {
				return err
			}
			defer release()
			name, err := s.stackName(ctx, args)
			if err != nil {
				return err
			}
			report, err := status.Gather(ctx, s.clients, s.ns, name)
			if err != nil {
				return err
			}
			status.Render(cmd.OutOrStdout(), report, time.Now())
			return nil
		},
	}
}

func backupCommand(flags *genericclioptions.ConfigFlags, timeout *time.Duration) *cobra.Command {
	var name string
	var wait bool
	cmd := &cobra.Command{
		Use:   "backup NAME",
		Short: "Take a backup of a MessageStack now (creates a MessageStackBackup; the operator takes it)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, s, release, err := open(cmd, flags, *timeout)
			if err != nil {
				return err
			}
			defer release()
			stack, err := s.stackName(ctx, args)
			if err != nil {
				return err
			}
			created, err := backup.Request(ctx, s.clients.Dynamic, s.ns, stack, name)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "messagestackbackup/%s created (stack %s, namespace %s)\n", created.GetName(), stack, s.ns)
			if !wait {
				fmt.Fprintf(out, "follow it with: kubectl get msbackup %s -n %s -w\n", created.GetName(), s.ns)
				return nil
			}
			done, err := backup.Wait(ctx, s.clients.Dynamic, s.ns, created.GetName(), 2*time.Second,
				func(phase string) {
					fmt.Fprintf(out, "  %s %s\n", time.Now().UTC().Format("15:04:05"), backup.PhaseText(phase))
				})
			if err != nil {
				return err
			}
			fmt.Fprintln(out, backup.Summary(done))
			if backup.PhaseOf(done) == backup.PhaseFailed {
				return fmt.Errorf("backup %s failed", done.GetName())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "name of the MessageStackBackup (default: generated from the stack's name)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the backup is Completed or Failed (up to --timeout; use e.g. --timeout 30m)")
	return cmd
}

func restoreCommand(flags *genericclioptions.ConfigFlags, timeout *time.Duration) *cobra.Command {
	var from, into, at string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "restore NEW_NAME --from-backup BACKUP [--to-time RFC3339]",
		Short: "Create a new MessageStack filled from a Completed backup, optionally replayed to a time (the source stack is not touched)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(from) == "" {
				return fmt.Errorf("--from-backup is required: the MessageStackBackup to restore (kubectl get msbackup)")
			}
			ctx, s, release, err := open(cmd, flags, *timeout)
			if err != nil {
				return err
			}
			defer release()
			stack, dropped, err := backup.Restore(ctx, s.clients.Dynamic, s.clients.Kube, s.ns, from, args[0], into, at, dryRun)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, d := range dropped {
				fmt.Fprintf(out, "# not copied: %s\n", d)
			}
			if dryRun {
				y, err := yaml.Marshal(stack.Object)
				if err != nil {
					return err
				}
				_, err = out.Write(y)
				return err
			}
			fmt.Fprintf(out, "messagestack/%s created in namespace %s from backup %s; follow it with: kubectl messagestack status %s -n %s\n",
				stack.GetName(), stack.GetNamespace(), from, stack.GetName(), stack.GetNamespace())
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from-backup", "", "the Completed MessageStackBackup (in this namespace) to restore")
	cmd.Flags().StringVar(&into, "target-namespace", "", "create the new stack in this namespace (default: the backup's);"+
		" it reads the backup from the source's S3 store and needs the same credentials Secret there")
	cmd.Flags().StringVar(&at, "to-time", "", "point-in-time recovery: the backup, then every archived transaction that"+
		" started before this RFC 3339 time (e.g. 2026-12-06T14:30:00Z); the source stack needs"+
		" spec.backup.pointInTimeRecovery.enabled")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the new MessageStack instead of creating it")
	return cmd
}

func switchoverCommand(flags *genericclioptions.ConfigFlags, timeout *time.Duration) *cobra.Command {
	var to string
	var wait bool
	cmd := &cobra.Command{
		Use:   "switchover NAME --to POD",
		Short: "Move HAProxy's writer to a Synced database pod (the proxies roll onto it one at a time; refused with the reason otherwise)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(to) == "" {
				return fmt.Errorf("--to is required: the database pod to move the writer to, e.g. demo-db-1")
			}
			ctx, s, release, err := open(cmd, flags, *timeout)
			if err != nil {
				return err
			}
			defer release()
			name, err := s.stackName(ctx, args)
			if err != nil {
				return err
			}
			before, err := switchover.Request(ctx, s.clients.Dynamic, s.ns, name, to)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "messagestack/%s annotated %s=%s\n", name, switchover.Annotation, to)
			if !wait {
				fmt.Fprintf(out, "the answer will be in status.writer.lastRequest: kubectl messagestack status %s -n %s\n", name, s.ns)
				return nil
			}
			answer, writer, err := switchover.Wait(ctx, s.clients.Dynamic, s.ns, name, to, before, time.Second)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s (%s): %s; the writer is %s\n", answer.Outcome, answer.Reason, answer.Message, writer)
			if !answer.Switched() {
				return fmt.Errorf("switchover to %s refused", to)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the database pod to make HAProxy's writer (a Synced node of this stack)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the operator's answer (up to --timeout)")
	return cmd
}
