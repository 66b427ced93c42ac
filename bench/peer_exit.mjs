// Preloaded into the Node peer by bench/overhead.py --profile (`node --import`): exit
// normally on SIGTERM so `--cpu-prof` writes its profile. The competitor's files stay as
// they are in ../shared/peer.
process.on("SIGTERM", () => process.exit(0));
