/* CVE-2019-5736 without a second start of berth: the container's processes
 * are executed through the "dmz" (runc's runc-dmz), a static ELF of a few
 * hundred bytes that this file assembles into the berth binary and writes
 * into a sealed memfd for each container process. Between the clone and the
 * exec of the container's program the init is still berth (its
 * /proc/self/exe is the host's binary); it execs the dmz instead, whose
 * /proc/self/exe is a memfd nobody can write, and the dmz execs the program.
 * A program that is `#!/proc/self/exe` so reaches only the dmz, which exits
 * 127 when not called by berth (its argv[0] is one byte: the fd it reports
 * an exec failure on, as "E -1 <errno>", the child path's own format).
 *
 * Where the init's window before that exec could be seen from inside the
 * container (a pid namespace shared with others, `exec` into a running
 * container) the runtime keeps the process non-dumpable, or re-executes
 * itself from a sealed copy first (exe_seal.c). Architectures without a dmz
 * here always re-execute. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <elf.h>

#include "cberth_init.h"
#include "sealed_memfd.h"

extern const unsigned char berth_dmz_start[], berth_dmz_end[];

#if defined(__x86_64__)
#define DMZ_MACHINE EM_X86_64
__asm__(
    ".pushsection .rodata.berth_dmz,\"a\"\n"
    ".globl berth_dmz_start\n"
    ".hidden berth_dmz_start\n"
    "berth_dmz_start:\n"
    "  mov (%rsp), %r13\n"            /* argc (syscall clobbers rcx, r11) */
    "  mov 8(%rsp), %rax\n"           /* argv[0]: its first byte is the report fd */
    "  movzbl (%rax), %r12d\n"
    "  cmpb $0, 1(%rax)\n"           /* not one byte: not started by berth */
    "  jne 2f\n"
    "  mov $72, %eax\n"               /* fcntl(fd, F_SETFD, FD_CLOEXEC) */
    "  mov %r12d, %edi\n"
    "  mov $2, %esi\n"
    "  mov $1, %edx\n"
    "  syscall\n"
    "  mov 16(%rsp), %rdi\n"          /* execve(argv[1], &argv[2], envp) */
    "  lea 24(%rsp), %rsi\n"
    "  lea 16(%rsp,%r13,8), %rdx\n"
    "  mov $59, %eax\n"
    "  syscall\n"
    "  neg %eax\n"                    /* failed: write \"E -1 <errno>\\n\" to the fd */
    "  sub $32, %rsp\n"
    "  lea 31(%rsp), %rsi\n"
    "  movb $10, (%rsi)\n"
    "  mov $10, %ecx\n"
    "1:\n"
    "  dec %rsi\n"
    "  xor %edx, %edx\n"
    "  div %ecx\n"
    "  add $48, %dl\n"
    "  mov %dl, (%rsi)\n"
    "  test %eax, %eax\n"
    "  jnz 1b\n"
    "  sub $5, %rsi\n"
    "  movl $0x312d2045, (%rsi)\n"    /* \"E -1\" */
    "  movb $32, 4(%rsi)\n"
    "  lea 32(%rsp), %rdx\n"
    "  sub %rsi, %rdx\n"
    "  mov %r12d, %edi\n"
    "  mov $1, %eax\n"                /* write */
    "  syscall\n"
    "2:\n"
    "  mov $127, %edi\n"
    "  mov $60, %eax\n"               /* exit */
    "  syscall\n"
    ".globl berth_dmz_end\n"
    ".hidden berth_dmz_end\n"
    "berth_dmz_end:\n"
    ".popsection\n");
#elif defined(__aarch64__)
#define DMZ_MACHINE EM_AARCH64
__asm__(
    ".pushsection .rodata.berth_dmz,\"a\"\n"
    ".globl berth_dmz_start\n"
    ".hidden berth_dmz_start\n"
    "berth_dmz_start:\n"
    "  ldr x9, [sp]\n"
    "  ldr x10, [sp, #8]\n"
    "  ldrb w19, [x10]\n"
    "  ldrb w11, [x10, #1]\n"
    "  cbnz w11, 2f\n"
    "  mov w0, w19\n"
    "  mov x1, #2\n"
    "  mov x2, #1\n"
    "  mov x8, #25\n"                 /* fcntl */
    "  svc #0\n"
    "  ldr x0, [sp, #16]\n"
    "  add x1, sp, #24\n"
    "  add x2, sp, #16\n"
    "  add x2, x2, x9, lsl #3\n"
    "  mov x8, #221\n"                /* execve */
    "  svc #0\n"
    "  neg w0, w0\n"
    "  sub sp, sp, #32\n"
    "  add x1, sp, #31\n"
    "  mov w3, #10\n"
    "  strb w3, [x1]\n"
    "1:\n"
    "  sub x1, x1, #1\n"
    "  udiv w4, w0, w3\n"
    "  msub w5, w4, w3, w0\n"
    "  add w5, w5, #48\n"
    "  strb w5, [x1]\n"
    "  mov w0, w4\n"
    "  cbnz w0, 1b\n"
    "  sub x1, x1, #5\n"
    "  mov w3, #0x2045\n"
    "  movk w3, #0x312d, lsl #16\n"
    "  str w3, [x1]\n"
    "  mov w3, #32\n"
    "  strb w3, [x1, #4]\n"
    "  add x2, sp, #32\n"
    "  sub x2, x2, x1\n"
    "  mov w0, w19\n"
    "  mov x8, #64\n"                 /* write */
    "  svc #0\n"
    "2:\n"
    "  mov x0, #127\n"
    "  mov x8, #93\n"                 /* exit */
    "  svc #0\n"
    ".globl berth_dmz_end\n"
    ".hidden berth_dmz_end\n"
    "berth_dmz_end:\n"
    ".popsection\n");
#endif

#ifdef DMZ_MACHINE
int berth_dmz_available(void) { return 1; }

/* A sealed memfd holding the dmz as an ELF executable; -1 on failure. */
int berth_dmz_create(void) {
    const uint64_t base = 0x400000;
    size_t code = (size_t)(berth_dmz_end - berth_dmz_start);
    unsigned char image[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + 512];
    size_t head = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
    if (code > sizeof image - head) { errno = E2BIG; return -1; }
    memset(image, 0, head);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
    eh->e_type = ET_EXEC;
    eh->e_machine = DMZ_MACHINE;
    eh->e_version = EV_CURRENT;
    eh->e_entry = base + head;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 1;
    Elf64_Phdr *ph = (Elf64_Phdr *)(image + sizeof(Elf64_Ehdr));
    ph->p_type = PT_LOAD;
    ph->p_flags = PF_R | PF_X;
    ph->p_offset = 0;
    ph->p_vaddr = ph->p_paddr = base;
    ph->p_filesz = ph->p_memsz = head + code;
    ph->p_align = 0x1000;
    memcpy(image + head, berth_dmz_start, code);
    return berth_memfd_sealed_copy("berth-dmz", image, head + code);
}
#else
int berth_dmz_available(void) { return 0; }
int berth_dmz_create(void) { errno = ENOSYS; return -1; }
#endif
