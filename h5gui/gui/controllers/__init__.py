"""What the user's commands do: each controller takes the session, the I/O runner and the notifier
(never the main window), runs core functions in the I/O process and reports back through the notifier."""
