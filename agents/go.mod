module github.com/kitbash-dev/kitbash/agents

go 1.26.8
