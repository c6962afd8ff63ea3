"""The base every area stands on: workspace, config, database and migrations, jobs,
audit log, access (roles), files, clock and errors. Nothing here imports an area."""
