"""The test double: what makes ewsemu more than an EWS server for the tests that drive it.

Fixtures (:mod:`.fixtures`), injected faults (:mod:`.faults`), the request ledger and its replay
(:mod:`.ledger`, :mod:`.replay`), the coverage list (:mod:`.coverage`), the JSON control plane under
``/_ewsemu/`` (:mod:`.control_plane`) and its dashboard (:mod:`.dashboard`). It sits on the operations and the
store and below the composition root (:mod:`ewsemu.emulator`), which hands itself in as a :class:`.host.Host`;
the server's router calls into it and nothing here imports the server.
"""
