using System.Text.RegularExpressions;

namespace Platform.Authority;

/// <summary>
/// A department id is part of broker names (its vhost, user and routing keys <c>{dept}.#</c>), so it holds only lower-case
/// letters, digits and hyphens.
/// </summary>
internal static partial class DepartmentId
{
    public static void Validate(string department)
    {
        if (!Pattern().IsMatch(department))
        {
            throw new ArgumentException($"'{department}' is not a department id (lower-case letters, digits and '-', e.g. dept-a).", nameof(department));
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex Pattern();
}
