using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.SharingPolicy.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class DeferredMessageTraceContext : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "deferred_messages",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "trace_state",
                table: "deferred_messages",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "deferred_messages");

            migrationBuilder.DropColumn(
                name: "trace_state",
                table: "deferred_messages");
        }
    }
}
