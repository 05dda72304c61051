# customer_retention: `make serve` runs the demo, `make test` runs every test and lint (see README).
.PHONY: serve test lint pot bench shell
serve:
	@tools/dev.sh serve
test:
	@tools/dev.sh test
lint:
	@tools/dev.sh lint
pot:
	@tools/dev.sh pot
bench:
	@tools/dev.sh bench $(ARGS)
shell:
	@tools/dev.sh shell
