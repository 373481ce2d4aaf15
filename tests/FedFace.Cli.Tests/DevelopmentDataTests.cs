using System.Reflection;

namespace FedFace.Cli.Tests;

/// <summary>
/// The development data layout (../shared next to the checkout) is for the simulator, the lab and the tests: the
/// <c>fedface</c> tool and every FedFace assembly it loads take their model and data paths from flags only.
/// </summary>
public sealed class DevelopmentDataTests
{
    [Fact]
    public void NoProductAssemblyKnowsTheDevelopmentDataLayout()
    {
        Assembly[] product = ProductAssemblies(typeof(CommandDispatcher).Assembly);

        Assert.Contains(product, a => a.GetName().Name == "FedFace.Core");
        Assert.DoesNotContain(product, a => a.GetName().Name == "FedFace.DevelopmentData");
        Assert.DoesNotContain(product.SelectMany(a => a.GetTypes()), t => t.Name == "SharedData");
    }

    /// <summary><paramref name="root"/> and the FedFace assemblies it references, directly or not.</summary>
    private static Assembly[] ProductAssemblies(Assembly root)
    {
        var found = new Dictionary<string, Assembly>(StringComparer.Ordinal) { [root.GetName().Name!] = root };
        var pending = new Queue<Assembly>([root]);
        while (pending.TryDequeue(out Assembly? assembly))
        {
            foreach (AssemblyName reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name!.StartsWith("FedFace.", StringComparison.Ordinal) && !found.ContainsKey(reference.Name))
                {
                    Assembly loaded = Assembly.Load(reference);
                    found[reference.Name] = loaded;
                    pending.Enqueue(loaded);
                }
            }
        }
        return [.. found.Values];
    }
}
