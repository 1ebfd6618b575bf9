# alibabacloud.eflo developer targets. Everything runs through tools/dev.sh; see its header.
#   make demo    run playbooks/demo.yml against a local simulator
#   make test    sanity, units, integration, lint, build, galaxy, docs, ee, matrix (every step runs; ends with
#                "N passed, N failed")
SHELL := /bin/bash
export LC_ALL := C.UTF-8
export LANG := C.UTF-8

DEV := bash tools/dev.sh

.DEFAULT_GOAL := help
.PHONY: help venv sanity units integration lint build galaxy docs ee matrix test test-long demo bench clean distclean

help:
	@$(DEV) help

venv:
	@$(DEV) venv

sanity:
	@$(DEV) sanity

units:
	@$(DEV) units

integration:
	@$(DEV) integration

lint:
	@$(DEV) lint

build:
	@$(DEV) build

galaxy:
	@$(DEV) galaxy

docs:
	@$(DEV) docs

ee:
	@$(DEV) ee

matrix:
	@$(DEV) matrix

test:
	@$(DEV) test

test-long:
	@$(DEV) test-long

demo:
	@$(DEV) demo

bench:
	@$(DEV) bench

clean:
	@$(DEV) clean

distclean:
	@$(DEV) distclean
