import Access
import XCTest

final class RoleTests: XCTestCase {
    /// The expected rights, written out once more so a change to the table is a deliberate change here too.
    let expected: [Permission: Set<Role>] = [
        .sell: [.sachbearbeitung, .kassenaufsicht],
        .reprintReceipt: [.sachbearbeitung, .kassenaufsicht],
        .interimReport: [.sachbearbeitung, .kassenaufsicht],
        .openShift: [.sachbearbeitung, .kassenaufsicht],
        .closeShift: [.sachbearbeitung, .kassenaufsicht],
        .handOverShift: [.sachbearbeitung, .kassenaufsicht],
        .requestStorno: [.sachbearbeitung, .kassenaufsicht],
        .depositCash: [.sachbearbeitung, .kassenaufsicht],
        .withdrawCash: [.sachbearbeitung, .kassenaufsicht],
        .approveStorno: [.kassenaufsicht],
        .approveCashMovement: [.kassenaufsicht],
        .approveDayCloseDifference: [.kassenaufsicht],
        .approveCardSettlement: [.kassenaufsicht],
        .closeDay: [.kassenaufsicht],
        .operateTerminal: [.kassenaufsicht],
        .openDrawerWithoutSale: [.kassenaufsicht],
        .unlockOperator: [.kassenaufsicht, .administration],
        .viewAudit: [.kassenaufsicht, .stadtkasse, .administration],
        .runExport: [.stadtkasse, .kassenaufsicht],
        .crossRegisterReport: [.stadtkasse, .kassenaufsicht],
        .verifyLedger: [.stadtkasse, .kassenaufsicht],
        .manageOperators: [.administration],
        .changeConfiguration: [.administration],
        .changeCatalogue: [.administration],
    ]

    func testTableMatchesTheIssue() {
        XCTAssertEqual(Set(expected.keys), Set(Permission.allCases), "every operation is in the expected table")
        for operation in Permission.allCases {
            XCTAssertEqual(AccessPolicy.roles(for: operation), expected[operation], "\(operation)")
            XCTAssertFalse(AccessPolicy.roles(for: operation).isEmpty)
        }
        // The clerk's list from the issue: sell, reprint, interim report — and nothing supervisory.
        let clerk = AccessPolicy.operations(for: [.sachbearbeitung])
        XCTAssertTrue(clerk.contains(.sell) && clerk.contains(.reprintReceipt) && clerk.contains(.interimReport))
        for forbidden in [Permission.approveStorno, .approveCashMovement, .closeDay, .operateTerminal, .runExport, .manageOperators, .viewAudit] {
            XCTAssertFalse(clerk.contains(forbidden), "\(forbidden)")
        }
        // Treasury cannot sell; administration cannot sell or approve.
        XCTAssertFalse(AccessPolicy.allows([.stadtkasse], .sell))
        XCTAssertFalse(AccessPolicy.allows([.administration], .sell))
        XCTAssertFalse(AccessPolicy.allows([.administration], .approveStorno))
        // Several roles add up.
        XCTAssertTrue(AccessPolicy.allows([.sachbearbeitung, .stadtkasse], .runExport))
        XCTAssertTrue(AccessPolicy.allows([.sachbearbeitung, .stadtkasse], .sell))
    }

    func testEveryOperationIsRefusedForEveryRoleThatLacksItWithAClearMessage() {
        var refusals = 0
        for operation in Permission.allCases {
            for role in Role.allCases {
                let allowed = expected[operation]!.contains(role)
                do {
                    try AccessPolicy.check(operation, login: "jd", roles: [role])
                    XCTAssertTrue(allowed, "\(role) must not \(operation)")
                } catch {
                    XCTAssertFalse(allowed, "\(role) may \(operation)")
                    refusals += 1
                    let message = error.description
                    XCTAssertTrue(message.contains("»\(operation.germanName)«"), message)
                    XCTAssertTrue(message.contains("»jd« hat \(role.germanName)"), message)
                    for needed in expected[operation]! { XCTAssertTrue(message.contains(needed.germanName), message) }
                    XCTAssertTrue(message.hasSuffix("."), message)
                }
            }
            XCTAssertThrowsError(try AccessPolicy.check(operation, login: "x", roles: [])) { error in
                XCTAssertTrue("\(error)".contains("keine Rolle"))
            }
        }
        XCTAssertEqual(refusals, expected.values.reduce(0) { $0 + (4 - $1.count) })
        XCTAssertGreaterThan(refusals, 40)
    }

    func testRefusalMessageExample() {
        XCTAssertEqual(
            AccessError.denied(operation: .approveStorno, login: "jd", held: [.sachbearbeitung], needed: [.kassenaufsicht]).description,
            "»Storno genehmigen« braucht die Rolle Kassenaufsicht; »jd« hat Sachbearbeitung.")
        XCTAssertEqual(
            AccessError.denied(operation: .viewAudit, login: "jd", held: [.sachbearbeitung], needed: [.kassenaufsicht, .stadtkasse, .administration])
                .description,
            "»Prüfprotokoll einsehen« braucht eine der Rollen Kassenaufsicht, Stadtkasse, Administration; »jd« hat Sachbearbeitung.")
    }

    func testParsingRoleLists() throws {
        XCTAssertEqual(try Role.parseList("Sachbearbeitung, kassenaufsicht"), [.sachbearbeitung, .kassenaufsicht])
        XCTAssertEqual(try Role.parseList("sb,ka,sk,admin"), Set(Role.allCases))
        XCTAssertThrowsError(try Role.parseList("Sachbearbeitung,Chef")) { XCTAssertEqual($0 as? AccessError, .unknownRole("Chef")) }
        XCTAssertThrowsError(try Role.parseList(" , ")) { XCTAssertEqual($0 as? AccessError, .noRoles) }
        XCTAssertEqual(Role.storedList([.administration, .sachbearbeitung]), "sachbearbeitung,administration")
        XCTAssertEqual(Role.germanList([.stadtkasse, .kassenaufsicht]), "Kassenaufsicht, Stadtkasse")
        for role in Role.allCases {
            XCTAssertEqual(Role(parsing: role.rawValue), role)
            XCTAssertEqual(Role(parsing: role.germanName), role)
        }
    }
}
