/* hsdis for JDK 25 on Debian: JDK 25 looks up decode_instructions_virtual; Debian's libhsdis0-fcml (FCML) exports
   only the older decode_instructions, which takes the code's own address range. Built by build.sh. */
#include <stdint.h>
#include <dlfcn.h>
typedef void* (*ev_t)(void*, const char*, void*);
typedef int (*pr_t)(void*, const char*, ...);
typedef void* (*old_t)(void*, void*, ev_t, void*, pr_t, void*, const char*);
void* decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char* buffer, uintptr_t length,
    ev_t ev, void* evs, pr_t pr, void* prs, const char* options, int newline) {
  static old_t f = 0;
  if (!f) { void* h = dlopen("/usr/lib/x86_64-linux-gnu/libhsdis.so.0", RTLD_NOW); f = (old_t) dlsym(h, "decode_instructions"); }
  return f((void*) start_va, (void*) end_va, ev, evs, pr, prs, options);
}
