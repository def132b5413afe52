# GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
{ "targets": [ { "target_name": "original_dst", "sources": [ "original_dst.c" ] } ] }
