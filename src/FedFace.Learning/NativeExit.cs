using System.Runtime.InteropServices;

namespace FedFace.Learning;

/// <summary>
/// Ends a process that used libtorch without running the native libraries' exit-time destructors. At exit glibc runs
/// libtorch's static destructors while its own threads may still be tearing down, and a finished simulation was seen to
/// abort there ("corrupted double-linked list", exit 134) after writing every result: a successful run must not end with
/// a crash's exit code. Only for after the work is done and written; the cause is still open.
/// </summary>
public static partial class NativeExit
{
    /// <summary>Flushes the console and ends the process at once with <paramref name="exitCode"/> (Linux: _exit).</summary>
    public static int Now(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        if (OperatingSystem.IsLinux())
        {
            ExitProcess(exitCode);
        }
        return exitCode;
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitProcess(int status);
}
