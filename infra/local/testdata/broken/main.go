// Command broken does not compile, on purpose: the runner's build test checks that one
// function that fails to build leaves the others built. It lives under testdata so that
// ./... skips it.
package main

func main() {
	var n int = "not a number"
	_ = n
}
