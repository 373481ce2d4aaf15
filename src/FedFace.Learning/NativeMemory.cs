using System.Runtime.InteropServices;

namespace FedFace.Learning;

/// <summary>
/// libtorch allocates its activation and gradient buffers with glibc's malloc and frees them after every step. Three
/// settings, all no-ops off glibc, made before the first network is built (what <c>GLIBC_TUNABLES</c> would do, without
/// relying on the caller's environment):
/// <list type="bullet">
/// <item>At most <see cref="ArenaLimit"/> arenas. glibc keeps freed memory inside its arenas (one per thread that ever
/// allocated, up to 8 per core) instead of returning it, so a simulator whose sites train one after another on different
/// threads held 18 GB for 273 faces and the full E2 experiment was killed by the kernel at 21 GB.</item>
/// <item>No mmap for large blocks (M_MMAP_MAX = 0; glibc still maps one when its heap cannot grow) and no automatic trim
/// below <see cref="TrimThresholdBytes"/>. A batch of 32 has activations and gradients of 51 MB (128 channels at 56x56),
/// above the largest mmap threshold glibc will adapt to (32 MB): each was mapped fresh and unmapped again, and the
/// kernel zeroed about 9 GB of new pages in 35 steps (186 maps of 32 MB and more, counted with strace; PyTorch's
/// process, with the same allocator and settings, mapped 10 in 105 steps and served the rest from its heap). The
/// training step spent 10-25% of its time in the kernel and ran at 80-95 images/s; kept in the heap, the same steps ran
/// at 120-127 (measured with these settings as GLIBC_TUNABLES).</item>
/// </list>
/// The heap then holds a training step's peak until <see cref="ReleaseFreed"/> hands it back: after each embedding pass,
/// and when a site has trained its round (SiteAgent), not inside <see cref="Training.SiteModel"/>. Without those trims
/// E2's sites, training one after another, grew the simulator to 15.7 GB by the first federation's 7th round (about
/// 6 GB with them; 4.4 GB at most when read during E2 with the heap kept as above). A trim has a price under
/// transparent huge pages (glibc.malloc.hugetlb=1): it splits the heap's huge pages, and the next steps run slower until
/// khugepaged has merged them again. A site pays that once a round, at its start, rather than between any two training
/// calls.
/// </summary>
public static partial class NativeMemory
{
    private const int ArenaLimit = 2;
    private const int TrimThresholdBytes = 1 << 30;
    // from glibc's malloc.h
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;
    private const int M_ARENA_MAX = -8;

    private static readonly Lazy<bool> s_configured = new(() =>
    {
        Call(() => Mallopt(M_ARENA_MAX, ArenaLimit));
        Call(() => Mallopt(M_MMAP_MAX, 0));
        Call(() => Mallopt(M_TRIM_THRESHOLD, TrimThresholdBytes));
        return true;
    });

    /// <summary>Idempotent; <see cref="Backbones.FaceBackbone"/> calls it before any network allocates.</summary>
    public static void ConfigureAllocator() => _ = s_configured.Value;

    /// <summary>Returns the pages of freed memory in every arena to the operating system (glibc's <c>malloc_trim(0)</c>).</summary>
    public static void ReleaseFreed()
    {
        Call(() => MallocTrim(0));
    }

    /// <summary>
    /// One line when this process cannot give libtorch's heap transparent huge pages: the kernel hands them out only on
    /// request (<c>madvise</c> mode) and <c>GLIBC_TUNABLES</c> lacks <c>glibc.malloc.hugetlb</c>, which glibc reads only
    /// at process start, so no call made from here can mend it. Null when the process has them, or off Linux.
    /// </summary>
    public static string? HugePagesAdvice() =>
        OperatingSystem.IsLinux() ? HugePagesAdvice(Environment.GetEnvironmentVariable("GLIBC_TUNABLES"), ReadOrNull(TransparentHugePagesFile)) : null;

    /// <param name="tunables">The process's <c>GLIBC_TUNABLES</c>.</param>
    /// <param name="transparentHugePages">The kernel's <c>transparent_hugepage/enabled</c>, e.g. "always [madvise] never".</param>
    public static string? HugePagesAdvice(string? tunables, string? transparentHugePages)
    {
        bool onRequestOnly = transparentHugePages?.Contains("[madvise]", StringComparison.Ordinal) == true;
        bool requested = (tunables ?? "").Split(':').Any(tunable => tunable is "glibc.malloc.hugetlb=1" or "glibc.malloc.hugetlb=2");
        return onRequestOnly && !requested
            ? "GLIBC_TUNABLES lacks glibc.malloc.hugetlb=1 and this kernel gives transparent huge pages only on request: training runs slower "
                + "and holds more memory in 4 KiB pages; start the process with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (docs/operations.md#memory-and-huge-pages)"
            : null;
    }

    private const string TransparentHugePagesFile = "/sys/kernel/mm/transparent_hugepage/enabled";

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Call(Func<int> glibcFunction)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            glibcFunction();
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl, e.g. Alpine): its allocator returns memory by itself.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
