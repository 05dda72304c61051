# customer_retention: `make serve` runs the demo, `make test` runs every test and lint (see README).
.PHONY: serve test lint bench shell
serve:
	@tools/dev.sh serve
test:
	@tools/dev.sh test
lint:
	@tools/dev.sh lint
bench:
	@tools/dev.sh bench $(ARGS)
shell:
	@tools/dev.sh shell
