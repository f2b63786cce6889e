using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.SharingPolicy.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class SharingReminders : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "expiry_reminder_sent_at",
                table: "grants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "reminder_sent_at",
                table: "access_requests",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "expiry_reminder_sent_at",
                table: "grants");

            migrationBuilder.DropColumn(
                name: "reminder_sent_at",
                table: "access_requests");
        }
    }
}
