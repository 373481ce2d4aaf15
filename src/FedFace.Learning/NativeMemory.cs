using System.Runtime.InteropServices;

namespace FedFace.Learning;

/// <summary>
/// libtorch allocates its activation and gradient buffers with glibc's malloc and frees them after every step. glibc
/// keeps freed memory inside its arenas (one per thread that ever allocated, up to 8 per core) instead of returning it,
/// so a simulator whose sites train one after another on different threads held 18 GB for 273 faces and the full E2
/// experiment was killed by the kernel at 21 GB. Two remedies, both no-ops off glibc: before the first network is
/// built, at most <see cref="ArenaLimit"/> arenas (what <c>GLIBC_TUNABLES=glibc.malloc.arena_max</c> does, without
/// relying on the caller's environment); and <see cref="ReleaseFreed"/> after each embedding pass and when a site has
/// trained its round (SiteAgent), not inside <see cref="Training.SiteModel"/>. The arena limit alone is not enough:
/// without the trims E2's sites, training one after another, grew the simulator to 15.7 GB by the first federation's
/// 7th round (about 6 GB with them). But a trim has a price under transparent huge pages (glibc.malloc.hugetlb=1): it
/// splits the arenas' huge pages (the simulator's AnonHugePages fell from 2.5 GB to 0.5 GB at each one), the next
/// steps' buffers come back as 4 KiB pages, and training runs slower until khugepaged has merged them again. A site
/// pays that once a round, at its start, rather than between any two training calls.
/// </summary>
public static partial class NativeMemory
{
    private const int ArenaLimit = 2;
    private const int M_ARENA_MAX = -8; // from glibc's malloc.h

    private static readonly Lazy<bool> s_arenasLimited = new(() =>
    {
        Call(() => Mallopt(M_ARENA_MAX, ArenaLimit));
        return true;
    });

    /// <summary>Idempotent; <see cref="Backbones.FaceBackbone"/> calls it before any network allocates.</summary>
    public static void LimitArenas() => _ = s_arenasLimited.Value;

    /// <summary>Returns the pages of freed memory in every arena to the operating system (glibc's <c>malloc_trim(0)</c>).</summary>
    public static void ReleaseFreed()
    {
        Call(() => MallocTrim(0));
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
