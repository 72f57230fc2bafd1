"""Quality gate: great-expectations suites configured in expectations/gate.yml."""
