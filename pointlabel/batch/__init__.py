"""Batch jobs over whole recordings on Dask distributed: pre-label, check, rank and export.

Modules: jobs (the job table: what is done, failed, being written), tasks (what a worker does
with one frame: top-level functions), work (per command: what is submitted, what the client
does with results), runner (client, local cluster or scheduler, bounded window, batches),
tracks (the track checks in bounded memory), export (the atomic KITTI export folder), api (the
four jobs as functions; `pointlabel batch` calls them).
"""
