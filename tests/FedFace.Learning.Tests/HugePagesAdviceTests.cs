namespace FedFace.Learning.Tests;

/// <summary>
/// The start-up line for a process whose training buffers cannot get transparent huge pages: glibc asks for them only
/// with its hugetlb tunable, which must be set before the process starts.
/// </summary>
public sealed class HugePagesAdviceTests
{
    private const string OnRequest = "always [madvise] never\n";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("glibc.malloc.arena_max=2")]
    [InlineData("glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2")]
    public void A_process_without_the_hugetlb_tunable_on_a_kernel_that_gives_huge_pages_on_request_is_told_how_to_start(string? tunables)
    {
        string? advice = NativeMemory.HugePagesAdvice(tunables, OnRequest);

        Assert.NotNull(advice);
        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1", advice, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', advice);
    }

    [Theory]
    [InlineData("glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2", OnRequest)]
    [InlineData("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", OnRequest)]
    [InlineData(null, "[always] madvise never\n")] // every large region gets them anyway
    [InlineData(null, "always madvise [never]\n")] // none to be had
    [InlineData(null, null)] // no such kernel file
    public void A_process_that_has_huge_pages_or_could_not_have_them_is_told_nothing(string? tunables, string? transparentHugePages)
    {
        Assert.Null(NativeMemory.HugePagesAdvice(tunables, transparentHugePages));
    }
}
