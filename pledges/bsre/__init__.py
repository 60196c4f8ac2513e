"""Sealing through BSrE's Esign Client Service (*segel elektronik*), for agencies whose
``seal_service`` is BSrE: the key stays with BSrE; we send the pact PDFs and check
what comes back before storing it.

* ``client.py`` — the HTTP calls (``seal/pdf``, ``seal/get/totp``) and what each
  answer means (:class:`client.Transient`, :class:`client.CodeRejected`, …);
* ``codes.py`` — the rolling one-time code: kept encrypted in the database, refreshed
  by one worker at a time, kept alive while nothing is sealed;
* ``checks.py`` — what a returned file must be before it is stored;
* ``pipeline.py`` — the worker's drain: claim the oldest waiting signatures, render
  their PDFs, keep ``BSRE_CONCURRENCY`` calls of ``BSRE_BATCH`` files in flight, check
  and store each answer, retry what failed;
* ``status.py`` — what the readiness panel and the apel page say about it.
"""
