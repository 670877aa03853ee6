/*
 * Copyright (c) 2026, vramfree.webui contributors
 * GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * TEST DOUBLE for libnvidia-ml.so.1. It is not NVIDIA's library and talks to no GPU.
 *
 * It exports, with NVML's C signatures and struct layouts, the entry points that
 * nvidia-ml-py's pynvml calls for gpu_vram_facts, so that the real pynvml (ctypes,
 * symbol lookup, byte strings, its fallbacks) runs against it. Built twice by
 * build.sh: the current driver's set of symbols, and with -DFAKE_NVML_R470 the set of
 * the 470 branch, which has no nvmlDeviceGetMemoryInfo_v2 and no *RunningProcesses_v3.
 *
 * Figures are not kept here. nvmlInit runs the fake nvidia-smi's state mode
 * ("$VRAMFREE_FAKE_NVIDIA_SMI --x-vramfree-state", default /usr/local/bin/nvidia-smi),
 * which computes them from the same JSON profile and live systemd unit state as its
 * CSV and XML output, so both doubles always tell the same story. Its lines:
 *   driver VERSION
 *   gpu INDEX LOST TOTAL RESERVED USED FREE DISPLAY PERSISTENCE PROCS UUID BUS NAME...
 *   proc GPU TYPE PID USED_MIB NAME...
 * (MiB; DISPLAY -1 = not supported; TYPE G, C or C+G).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
enum {
    NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3, NVML_ERROR_NOT_FOUND = 6, NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9, NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25, NVML_ERROR_UNKNOWN = 999
};

#define MIB 1048576ULL
#define MAX_GPUS 8
#define MAX_PROCS 64
#define NVML_MEMORY_V2 0x02000028u

typedef struct {
    unsigned int pid;
    char type[4];
    unsigned long long used_mib;
    char name[256];
} fake_proc;

typedef struct {
    int lost, display, persistence, procs_supported;
    unsigned long long total, reserved, used, free;
    char uuid[96], bus[32], name[96];
    int nprocs;
    fake_proc procs[MAX_PROCS];
} fake_gpu;

static int initialised;
static char driver[80];
static int ngpus;
static fake_gpu gpus[MAX_GPUS];

/* Layouts as in nvml.h (and pynvml's ctypes structures). */
typedef struct {
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;

typedef struct {
    unsigned int version;
    unsigned long long total, reserved, free, used;
} nvmlMemory_v2_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;

/* Truncates, as NVML does with its fixed-size fields. */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int load_state(void)
{
    const char *smi = getenv("VRAMFREE_FAKE_NVIDIA_SMI");
    char command[1024], line[1024];
    FILE *pipe;
    int status;

    snprintf(command, sizeof command, "'%s' --x-vramfree-state 2>/dev/null",
             smi && *smi ? smi : "/usr/local/bin/nvidia-smi");
    pipe = popen(command, "r");
    if (!pipe)
        return -1;
    ngpus = 0;
    driver[0] = '\0';
    while (fgets(line, sizeof line, pipe)) {
        int offset = 0;
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "driver ", 7)) {
            copy_text(driver, sizeof driver, line + 7);
        } else if (!strncmp(line, "gpu ", 4) && ngpus < MAX_GPUS) {
            fake_gpu *g = &gpus[ngpus];
            int index;
            memset(g, 0, sizeof *g);
            if (sscanf(line, "gpu %d %d %llu %llu %llu %llu %d %d %d %95s %31s %n", &index, &g->lost,
                       &g->total, &g->reserved, &g->used, &g->free, &g->display, &g->persistence,
                       &g->procs_supported, g->uuid, g->bus, &offset) >= 11 && offset > 0) {
                copy_text(g->name, sizeof g->name, line + offset);
                ngpus++;
            }
        } else if (!strncmp(line, "proc ", 5)) {
            int index;
            fake_proc p;
            memset(&p, 0, sizeof p);
            if (sscanf(line, "proc %d %3s %u %llu %n", &index, p.type, &p.pid, &p.used_mib, &offset) >= 4
                && offset > 0 && index >= 0 && index < ngpus && gpus[index].nprocs < MAX_PROCS) {
                copy_text(p.name, sizeof p.name, line + offset);
                gpus[index].procs[gpus[index].nprocs++] = p;
            }
        }
    }
    status = pclose(pipe);
    return status == 0 && driver[0] ? 0 : -1;
}

static nvmlReturn_t device(void *handle, fake_gpu **gpu)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    if (!handle)
        return NVML_ERROR_INVALID_ARGUMENT;
    *gpu = handle;
    return (*gpu)->lost ? NVML_ERROR_GPU_IS_LOST : NVML_SUCCESS;
}

static nvmlReturn_t text_out(const char *value, char *out, unsigned int length)
{
    if (!out)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(value) + 1 > length)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(out, value, strlen(value) + 1);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlInitWithFlags(unsigned int flags)
{
    (void)flags;
    if (load_state() != 0)
        return NVML_ERROR_DRIVER_NOT_LOADED;
    initialised = 1;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlInit_v2(void) { return nvmlInitWithFlags(0); }

EXPORT nvmlReturn_t nvmlShutdown(void)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    initialised = 0;
    return NVML_SUCCESS;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t result)
{
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    default: return "Unknown Error";
    }
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    return text_out(driver, version, length);
}

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    if (!count)
        return NVML_ERROR_INVALID_ARGUMENT;
    *count = (unsigned int)ngpus;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **handle)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    if (!handle || index >= (unsigned int)ngpus)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (gpus[index].lost)
        return NVML_ERROR_GPU_IS_LOST;
    *handle = &gpus[index];
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetName(void *handle, char *name, unsigned int length)
{
    fake_gpu *g;
    nvmlReturn_t rc = device(handle, &g);
    return rc ? rc : text_out(g->name, name, length);
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(void *handle, char *uuid, unsigned int length)
{
    fake_gpu *g;
    nvmlReturn_t rc = device(handle, &g);
    return rc ? rc : text_out(g->uuid, uuid, length);
}

EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(void *handle, nvmlPciInfo_t *pci)
{
    fake_gpu *g;
    nvmlReturn_t rc = device(handle, &g);
    if (rc)
        return rc;
    if (!pci)
        return NVML_ERROR_INVALID_ARGUMENT;
    memset(pci, 0, sizeof *pci);
    copy_text(pci->busId, sizeof pci->busId, g->bus);
    /* The legacy field holds the short form, "0000:01:00.0". */
    copy_text(pci->busIdLegacy, sizeof pci->busIdLegacy, strlen(g->bus) > 12 ? g->bus + 4 : g->bus);
    sscanf(g->bus, "%x:%x:%x", &pci->domain, &pci->bus, &pci->device);
    return NVML_SUCCESS;
}

/* v1: "used" includes what the driver reserves, as before the v2 call existed. */
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(void *handle, nvmlMemory_t *memory)
{
    fake_gpu *g;
    nvmlReturn_t rc = device(handle, &g);
    if (rc)
        return rc;
    if (!memory)
        return NVML_ERROR_INVALID_ARGUMENT;
    memory->total = g->total * MIB;
    memory->used = (g->used + g->reserved) * MIB;
    memory->free = g->free * MIB;
    return NVML_SUCCESS;
}

static nvmlReturn_t processes(void *handle, const char *kind, unsigned int *count, nvmlProcessInfo_t *infos)
{
    fake_gpu *g;
    unsigned int wanted = 0, i, n = 0;
    nvmlReturn_t rc = device(handle, &g);
    if (rc)
        return rc;
    if (!count)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (!g->procs_supported)
        return NVML_ERROR_NOT_SUPPORTED;
    for (i = 0; i < (unsigned int)g->nprocs; i++)
        wanted += strstr(g->procs[i].type, kind) != NULL;
    if (wanted > *count || (wanted && !infos)) {
        *count = wanted;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    for (i = 0; i < (unsigned int)g->nprocs; i++) {
        if (!strstr(g->procs[i].type, kind))
            continue;
        infos[n].pid = g->procs[i].pid;
        infos[n].usedGpuMemory = g->procs[i].used_mib * MIB;
        infos[n].gpuInstanceId = 0xFFFFFFFFu;
        infos[n].computeInstanceId = 0xFFFFFFFFu;
        n++;
    }
    *count = n;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(void *h, unsigned int *c, nvmlProcessInfo_t *p)
{
    return processes(h, "C", c, p);
}

EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(void *h, unsigned int *c, nvmlProcessInfo_t *p)
{
    return processes(h, "G", c, p);
}

#ifndef FAKE_NVML_R470
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(void *handle, nvmlMemory_v2_t *memory)
{
    fake_gpu *g;
    nvmlReturn_t rc = device(handle, &g);
    if (rc)
        return rc;
    if (!memory)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (memory->version != NVML_MEMORY_V2)
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    memory->total = g->total * MIB;
    memory->reserved = g->reserved * MIB;
    memory->used = g->used * MIB;
    memory->free = g->free * MIB;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(void *h, unsigned int *c, nvmlProcessInfo_t *p)
{
    return processes(h, "C", c, p);
}

EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(void *h, unsigned int *c, nvmlProcessInfo_t *p)
{
    return processes(h, "G", c, p);
}
#endif

static nvmlReturn_t feature(void *handle, int value, int *state)
{
    fake_gpu *g;
    nvmlReturn_t rc = device(handle, &g);
    (void)g;
    if (rc)
        return rc;
    if (!state)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (value < 0)
        return NVML_ERROR_NOT_SUPPORTED;
    *state = value;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetDisplayActive(void *handle, int *active)
{
    fake_gpu *g = handle;
    return feature(handle, g ? g->display : 0, active);
}

EXPORT nvmlReturn_t nvmlDeviceGetPersistenceMode(void *handle, int *mode)
{
    fake_gpu *g = handle;
    return feature(handle, g ? g->persistence : 0, mode);
}

/* NVML knows the processes it lists; any other pid is Not Found. */
EXPORT nvmlReturn_t nvmlSystemGetProcessName(unsigned int pid, char *name, unsigned int length)
{
    int i, j;
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    for (i = 0; i < ngpus; i++)
        for (j = 0; j < gpus[i].nprocs; j++)
            if (gpus[i].procs[j].pid == pid)
                return text_out(gpus[i].procs[j].name, name, length);
    return NVML_ERROR_NOT_FOUND;
}
