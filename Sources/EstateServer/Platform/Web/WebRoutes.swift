import Vapor

/// The pages, each behind its guard.
enum WebRoutes {
    static func register(_ app: Application) {
        app.on(.GET, "login", guard: .open, use: SignInController.show)
        app.on(.POST, "login", guard: .open, use: SignInController.submit)
        app.on(.POST, "logout", guard: .open, use: SignInController.signOut)
        app.on(.GET, "lang", ":code", guard: .open, use: SignInController.language)
        app.on(.GET, guard: .signedIn, use: HomePage.show)

        let admin = app.grouped("admin")
        admin.on(.GET, "users", guard: .allowed(.usersManage), use: UsersController.index)
        admin.on(.POST, "users", guard: .allowed(.usersManage), use: UsersController.create)
        admin.on(.GET, "users", ":userID", guard: .allowed(.usersManage), use: UsersController.show)
        admin.on(.POST, "users", ":userID", guard: .allowed(.usersManage), use: UsersController.rename)
        admin.on(.POST, "users", ":userID", "status", guard: .allowed(.usersManage), use: UsersController.setStatus)
        admin.on(.POST, "users", ":userID", "unlock", guard: .allowed(.usersManage), use: UsersController.unlock)
        admin.on(.POST, "users", ":userID", "password", guard: .allowed(.usersManage), use: UsersController.resetPassword)
        admin.on(.POST, "users", ":userID", "grants", guard: .allowed(.usersManage), use: UsersController.grant)
        admin.on(.POST, "users", ":userID", "grants", ":grantID", "revoke", guard: .allowed(.usersManage), use: UsersController.revoke)

        admin.on(.GET, "projects", guard: .allowed(.projectView), use: ProjectsController.index)
        admin.on(.POST, "projects", guard: .allowed(.projectsCreate), use: ProjectsController.create)
        admin.on(.GET, "projects", ":projectID", guard: .allowed(.projectView), use: ProjectsController.show)
        admin.on(.POST, "projects", ":projectID", guard: .allowed(.projectEdit), use: ProjectsController.update)

        admin.on(.GET, "audit", guard: .allowed(.auditRead), use: AuditController.index)

        InventoryController.register(app)
        CustomersController.register(app)
        ApprovalsController.register(app)
        SalesController.register(app)
        ReportsController.register(app)
        ServiceController.register(app)
        OutagesController.register(app)
        DeskController.register(app)
        DutyLogsController.register(app)
        CallsController.register(app)
        StaffingController.register(app)
        RostersController.register(app)
        ChannelsController.register(app)
        CommissionsController.register(app)
        OutreachController.register(app)
        SuppliersController.register(app)
        ProcurementController.register(app)
        // 业主自助: open to the staff guard; the owner pages check their own session.
        OwnerController.register(app)
        BuyerController.register(app)
        OpeningsController.register(app)
        // 商场服务台 (issue 20).
        MallController.register(app)
        RegisterController.register(app)
    }
}
