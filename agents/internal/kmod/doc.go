// Package kmod loads kernel module files with finit_module(2), on Linux. Which
// modules, and in what order, is agents/internal/initramfs's ModuleOrder.
package kmod
