module github.com/kitbash-dev/kitbash/agents

go 1.26.8

require github.com/klauspost/compress v1.20.2
