/* Test-only stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks. Rust's standard
 * library (1.78 and later) draws its random numbers from ProcessPrng there; this one asks
 * RtlGenRandom (SystemFunction036 of advapi32), which Wine has. Built by scripts/wine-prefix
 * with mingw-w64 and put into the throwaway Wine prefix of a test run; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
