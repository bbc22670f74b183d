"""Pure invoice-flow logic (no Dagster, no I/O): matching, billing schedule, pending data,
recon; and the workbook writer and reader."""
