;; A WASI preview1 adapter with no imports, for Go reconcilers (GOOS=wasip1): the 16 preview1
;; functions the Go runtime imports, answered inside the component, so workerd provides nothing.
;;
;; - args_*, environ_*: empty (os.Args and os.Environ are empty).
;; - clock_time_get: a virtual clock, no host time. It starts at 0 and advances 1 µs per read, and
;;   poll_oneoff advances it by the timeout asked for, so time.Sleep returns at once and
;;   timers fire. time.Now() is 1970-01-01 plus that virtual time: reconcilers are pure
;;   functions of their request and must not read the clock.
;; - random_get: a fixed-seed xorshift64* sequence (map hash seeds, math/rand): deterministic.
;; - fd_write: discarded (fmt.Print, and a panic's message before it exits); reports everything
;;   written.
;; - proc_exit: traps (`unreachable`), so a Go panic or os.Exit is a trap: the worker answers 500
;;   and drops the instance.
;; - fd_fdstat_get / fd_fdstat_set_flags / fd_close: stdin, stdout, stderr are character devices;
;;   any other descriptor is EBADF.
;; - fd_prestat_get / fd_prestat_dir_name: EBADF, there are no preopened directories (no files).
;; - sched_yield: nothing to yield to.
(module
  (import "env" "memory" (memory 0))
  (global $clock (mut i64) (i64.const 0))
  (global $seed (mut i64) (i64.const 0x2545f4914f6cdd1d))

  ;; errno values
  ;; 0 success, 8 EBADF, 28 EINVAL

  (func (export "sched_yield") (result i32) (i32.const 0))

  (func (export "proc_exit") (param i32) (unreachable))

  (func $zero2 (param $a i32) (param $b i32) (result i32)
    (i32.store (local.get $a) (i32.const 0))
    (i32.store (local.get $b) (i32.const 0))
    (i32.const 0))
  (func (export "args_sizes_get") (param i32 i32) (result i32)
    (call $zero2 (local.get 0) (local.get 1)))
  (func (export "environ_sizes_get") (param i32 i32) (result i32)
    (call $zero2 (local.get 0) (local.get 1)))
  (func (export "args_get") (param i32 i32) (result i32) (i32.const 0))
  (func (export "environ_get") (param i32 i32) (result i32) (i32.const 0))

  (func (export "clock_time_get") (param $id i32) (param $precision i64) (param $out i32) (result i32)
    (global.set $clock (i64.add (global.get $clock) (i64.const 1000)))
    (i64.store (local.get $out) (global.get $clock))
    (i32.const 0))

  (func (export "random_get") (param $buf i32) (param $len i32) (result i32)
    (local $end i32)
    (local $x i64)
    (local.set $end (i32.add (local.get $buf) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $buf) (local.get $end)))
        (local.set $x (global.get $seed))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 12))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 25))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 27))))
        (global.set $seed (local.get $x))
        (i32.store8 (local.get $buf)
          (i32.wrap_i64 (i64.shr_u (i64.mul (local.get $x) (i64.const 0x2545f4914f6cdd1d)) (i64.const 56))))
        (local.set $buf (i32.add (local.get $buf) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; fd_write(fd, iovs, iovs_len, nwritten): ciovec is {buf: u32, len: u32}.
  (func (export "fd_write") (param $fd i32) (param $iovs i32) (param $n i32) (param $written i32) (result i32)
    (local $total i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $total (i32.add (local.get $total) (i32.load offset=4 (local.get $iovs))))
        (local.set $iovs (i32.add (local.get $iovs) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.store (local.get $written) (local.get $total))
    (i32.const 0))

  ;; poll_oneoff(in, out, nsubscriptions, nevents): every subscription is ready at once. A
  ;; subscription is 48 bytes: userdata u64 @0, tag u8 @8, then for a clock: id u32 @16,
  ;; timeout u64 @24, precision u64 @32, flags u16 @40 (1 = absolute). An event is 32 bytes:
  ;; userdata u64 @0, error u16 @8, type u8 @10.
  (func (export "poll_oneoff") (param $in i32) (param $out i32) (param $n i32) (param $nevents i32) (result i32)
    (local $i i32)
    (local $timeout i64)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 28))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.eqz (i32.load8_u offset=8 (local.get $in)))
          (then
            (local.set $timeout (i64.load offset=24 (local.get $in)))
            (if (i32.and (i32.load16_u offset=40 (local.get $in)) (i32.const 1))
              (then
                (if (i64.gt_u (local.get $timeout) (global.get $clock))
                  (then (global.set $clock (local.get $timeout)))))
              (else (global.set $clock (i64.add (global.get $clock) (local.get $timeout)))))))
        (i64.store (local.get $out) (i64.load (local.get $in)))
        (i32.store16 offset=8 (local.get $out) (i32.const 0))
        (i32.store8 offset=10 (local.get $out) (i32.load8_u offset=8 (local.get $in)))
        (local.set $in (i32.add (local.get $in) (i32.const 48)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (local.get $nevents) (local.get $n))
    (i32.const 0))

  (func $stdio (param $fd i32) (result i32) (i32.lt_u (local.get $fd) (i32.const 3)))

  ;; fdstat: filetype u8 @0 (2 = character device), flags u16 @2, rights base u64 @8, inheriting @16.
  (func (export "fd_fdstat_get") (param $fd i32) (param $buf i32) (result i32)
    (if (i32.eqz (call $stdio (local.get $fd))) (then (return (i32.const 8))))
    (i32.store8 (local.get $buf) (i32.const 2))
    (i32.store16 offset=2 (local.get $buf) (i32.const 0))
    (i64.store offset=8 (local.get $buf) (i64.const -1))
    (i64.store offset=16 (local.get $buf) (i64.const -1))
    (i32.const 0))
  (func (export "fd_fdstat_set_flags") (param $fd i32) (param i32) (result i32)
    (if (result i32) (call $stdio (local.get $fd)) (then (i32.const 0)) (else (i32.const 8))))
  (func (export "fd_close") (param $fd i32) (result i32)
    (if (result i32) (call $stdio (local.get $fd)) (then (i32.const 0)) (else (i32.const 8))))
  (func (export "fd_prestat_get") (param i32 i32) (result i32) (i32.const 8))
  (func (export "fd_prestat_dir_name") (param i32 i32 i32) (result i32) (i32.const 8))
)
