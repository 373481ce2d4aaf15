namespace FedFace.Learning.Numerics;

/// <summary>
/// The process's one decision on the convolution layout, made by <see cref="ConvolutionPathCheck"/> the first time a
/// backbone is built (lazily, once, thread-safely) and kept for the process's life. A failed check is kept too: every
/// later network refuses in the same words. FEDFACE_CONV_LAYOUT=contiguous|channels-last forces a layout, for
/// comparisons; the forced layout is checked all the same.
/// </summary>
public static class ConvolutionLayoutGuard
{
    public const string LayoutVariable = "FEDFACE_CONV_LAYOUT";

    /// <summary>
    /// Where the one line goes when the backbones leave the fast path: standard error unless a host routes it to its
    /// logger. Set it before the first network is built.
    /// </summary>
    public static Action<string> Warn { get; set; } = line => Console.Error.WriteLine($"warning: {line}");

    private static readonly Lazy<ConvolutionPathDecision> s_decision = new(() =>
    {
        // The check is often a process's first use of libtorch: the allocator is set up before it allocates, as for a network.
        NativeMemory.ConfigureAllocator();
        if (NativeMemory.HugePagesAdvice() is { } advice)
        {
            Warn(advice);
        }
        ConvolutionPathDecision decision = new ConvolutionPathCheck(CpuDescription.OfThisMachine, line => Warn(line)).Decide(ForcedLayout(Environment.GetEnvironmentVariable(LayoutVariable)));
        // The probe's freed buffers stay in the heap (NativeMemory keeps it untrimmed), and training then laid its own
        // buffers around them and ran 12% slower (median 49.8 against 57.0 images/s here); handed back, they cost nothing.
        NativeMemory.ReleaseFreed();
        return decision;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <exception cref="UnreliableConvolutionsException">when no layout computes correctly on this machine.</exception>
    public static ConvolutionPathDecision Decision => s_decision.Value;

    /// <summary>The layout the backbones arrange their input in.</summary>
    public static ConvolutionLayout Layout => Decision.Layout;

    /// <summary>
    /// Decides now, for processes to call first thing: a machine that computes wrong then refuses before any work, in
    /// one line. Null when a layout checked out; else the reason (no correct layout, or an unknown FEDFACE_CONV_LAYOUT).
    /// </summary>
    public static string? FailureAtStart()
    {
        try
        {
            _ = Decision;
            return null;
        }
        catch (Exception e) when (e is UnreliableConvolutionsException or ArgumentException)
        {
            return e.Message;
        }
    }

    internal static ConvolutionLayout? ForcedLayout(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return null;
        }
        try
        {
            return ConvolutionLayouts.Parse(setting);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{LayoutVariable} is '{setting}'; expected contiguous or channels-last (or unset, to let the check choose)");
        }
    }
}
