package main

// The files through which `galera-agent start` (the database container) and `galera-agent serve`
// (the agent container) talk: both live in the datadir, which both containers mount. Defined once.
const (
	GraStateFileName = "grastate.dat"
	// RecoveryFileName holds the Recovery record (grastate.go) of a node that found no Primary peer
	// after a restart; the agent serves it in /state and reads it before a bootstrap.
	RecoveryFileName = "messagestack-recovery.json"
	// BootstrapFileName is written by POST /bootstrap (the operator's choice): the waiting start
	// bootstraps a new Primary component from this node's data when it appears.
	BootstrapFileName = "messagestack-bootstrap"
	// ClaimFileName is written before the peers are asked whether this node may bootstrap, and renamed
	// to the bootstrap marker when none objects (removed when one does). /state shows it as
	// bootstrapClaimed, and a peer that sees it refuses its own bootstrap: of two concurrent requests
	// to two nodes at most one succeeds (each writes its claim before it asks; a node that sees
	// another's claim or marker withdraws).
	ClaimFileName = "messagestack-bootstrap-claim"
	// DrainFileName is written by the database container's preStop hook (galera-agent drain): while
	// it exists, /health answers 503 so HAProxy moves the writer away before the server stops.
	DrainFileName = "messagestack-draining"
	// InitializedFileName is written once the users and the app database exist (after a bootstrap):
	// ordinal 0 with a datadir but without it (and without grastate.dat) stopped in its first bootstrap.
	InitializedFileName = "messagestack-initialized"
)

// RestoredFileName is written by `galera-agent restore` (the init container of a stack created with
// spec.database.restore) as the last step of a restore into ordinal 0's empty datadir: a JSON record of the
// backup and its position. While InitializedFileName is absent, start bootstraps a new cluster from the
// restored data (ChoosePath: PathRestored); a later restore run sees it and does nothing.
const RestoredFileName = "messagestack-restored"

// RestoreStagingDirName is where a restore extracts and prepares the backup, on the datadir's own volume
// (the rename into the datadir is then a move, not a copy). Only the restore writes or removes it.
const RestoreStagingDirName = ".messagestack-restore"
